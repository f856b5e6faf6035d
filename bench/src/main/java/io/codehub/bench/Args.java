package io.codehub.bench;

/** Reading {@code --name value} options. */
final class Args {

    private Args() {
    }

    static String value(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** Whether the bare flag {@code name} (no value) is among the arguments. */
    static boolean flag(String[] args, String name) {
        for (String arg : args) {
            if (arg.equals(name)) {
                return true;
            }
        }
        return false;
    }
}
