package io.codehub.pki.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

import io.codehub.base.Causes;
import io.codehub.pki.PkiException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code codehub pki}: the entry point of the CLI jar. */
@Command(name = "codehub pki", mixinStandardHelpOptions = true, version = "codehub pki 0.1.0",
        description = "codehub's certificate authority: create a CA, issue hub and agent certificates, sign agent "
                + "CSRs, revoke, publish CRLs and rotate the CA. Files are PEM; private keys are written 0600. "
                + "A CA key passphrase comes from --passphrase-file or CODEHUB_PKI_PASSPHRASE, never from an argument.",
        subcommands = {InitCommand.class, IssueCommand.class, SignCommand.class, RevokeCommand.class, CrlCommand.class,
                InspectCommand.class, RotateCaCommand.class, CommandLine.HelpCommand.class})
public final class PkiCli implements Runnable {

    /** A refused operation: bad input file, wrong passphrase, CSR rejected, unknown serial. */
    static final int EXIT_FAILED = 1;
    /** Bad usage: unknown option, missing argument, malformed value. */
    static final int EXIT_USAGE = 2;
    /** A bug: an error that is not the user's. */
    static final int EXIT_INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns its exit code; used by {@link #main} and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new PkiCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            err.println(failed.getCommandName() + ": " + e.getMessage());
            err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            if (e instanceof PkiException || e instanceof IllegalArgumentException || e instanceof UncheckedIOException) {
                err.println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return EXIT_FAILED;
            }
            err.println(failed.getCommandSpec().qualifiedName() + ": internal error: " + e);
            Causes.chain(e).stream().skip(1).forEach(cause -> err.println("  caused by: " + cause));
            return EXIT_INTERNAL;
        });
        return commandLine.execute(args);
    }
}
