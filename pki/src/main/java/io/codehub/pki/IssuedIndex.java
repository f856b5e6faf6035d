package io.codehub.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code index.tsv} file: one line per issued certificate, tab-separated, in issue order:
 * {@code serial(hex) caGeneration kind name notAfter status revokedAt reason}, with {@code -} for
 * an empty field. Lines starting with {@code #} are comments. The format is meant to be read by
 * people and by {@code awk} as much as by this class.
 */
final class IssuedIndex {

    static final String FILE = "index.tsv";
    /** Entries expired for longer than this are dropped when the index is rewritten. */
    static final Duration RETENTION_AFTER_EXPIRY = Duration.ofDays(30);
    /** The largest index read: about 600,000 entries. */
    static final int MAX_BYTES = 64 * 1024 * 1024;

    private static final String HEADER =
            "# serial\tca_generation\tkind\tname\tnot_after\tstatus\trevoked_at\treason\n";

    private IssuedIndex() {
    }

    static List<IssuedRecord> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = new String(Pem.readBytes(file, MAX_BYTES), StandardCharsets.UTF_8);
        List<IssuedRecord> records = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            records.add(parse(line, file, lineNumber));
        }
        return records;
    }

    static void write(Path file, List<IssuedRecord> records) {
        StringBuilder out = new StringBuilder(HEADER.length() + records.size() * 110).append(HEADER);
        for (IssuedRecord r : records) {
            out.append(r.serial().toString(16)).append('\t')
                    .append(r.caGeneration()).append('\t')
                    .append(r.kind().name().toLowerCase(Locale.ROOT)).append('\t')
                    .append(r.name()).append('\t')
                    .append(r.notAfter()).append('\t')
                    .append(r.revoked() ? "revoked" : "valid").append('\t')
                    .append(r.revokedAt() == null ? "-" : r.revokedAt().toString()).append('\t')
                    .append(r.reason() == null ? "-" : r.reason().label()).append('\n');
        }
        AtomicFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    private static IssuedRecord parse(String line, Path file, int lineNumber) {
        String[] f = line.split("\t", -1);
        try {
            if (f.length != 8) {
                throw new IllegalArgumentException(f.length + " fields (expected: 8)");
            }
            boolean revoked = switch (f[5]) {
                case "valid" -> false;
                case "revoked" -> true;
                default -> throw new IllegalArgumentException("status '" + f[5] + "' (expected: valid or revoked)");
            };
            return new IssuedRecord(new BigInteger(f[0], 16), Integer.parseInt(f[1]),
                    IssuedRecord.Kind.valueOf(f[2].toUpperCase(Locale.ROOT)), f[3], Instant.parse(f[4]),
                    revoked ? Instant.parse(f[6]) : null, revoked ? RevocationReason.parse(f[7]) : null);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new PkiException(file + " line " + lineNumber + " is damaged: " + e.getMessage(), e);
        }
    }

    /** The index as read from disk, with lookups. */
    record View(List<IssuedRecord> records, Map<BigInteger, IssuedRecord> bySerial,
            Set<BigInteger> revoked, Object stamp) {

        static View load(CaDirectory files) {
            Object stamp = files.stamp(FILE);
            List<IssuedRecord> records = List.copyOf(read(files.file(FILE)));
            Map<BigInteger, IssuedRecord> bySerial = new HashMap<>();
            records.forEach(r -> bySerial.put(r.serial(), r));
            Set<BigInteger> revoked = records.stream().filter(IssuedRecord::revoked).map(IssuedRecord::serial)
                    .collect(Collectors.toUnmodifiableSet());
            return new View(records, Map.copyOf(bySerial), revoked, stamp);
        }

        /** The records worth keeping: drops those expired longer than the retention period. */
        List<IssuedRecord> live(Instant now) {
            Instant cutoff = now.minus(RETENTION_AFTER_EXPIRY);
            return records.stream().filter(r -> !r.notAfter().isBefore(cutoff)).toList();
        }
    }
}
