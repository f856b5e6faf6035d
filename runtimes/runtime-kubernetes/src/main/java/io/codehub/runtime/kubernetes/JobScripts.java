package io.codehub.runtime.kubernetes;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.support.ArchiveDigest;
import org.jspecify.annotations.Nullable;

/**
 * The shell scripts archive and restore Job pods run, and the one-line result they leave in their
 * termination message: {@code <bytes> <sha256>} of the archive. Paths are parameters so that a
 * test can run the very same scripts on local directories.
 *
 * <p>Archive: {@code tar -czf} of the volume to a hidden partial file, digest and size taken, the
 * archive renamed into place, then a {@code sha256sum}-format sidecar {@code <key>.sha256} written
 * the same way. Restore: the sidecar and the archive's own digest must both equal the digest the
 * agent recorded when it archived; only then is the volume emptied and the archive extracted with
 * permissions kept. Archive keys are {@code [A-Za-z0-9.-]} only ({@link ArchiveKey}), so quoting
 * them in single quotes is safe.
 */
final class JobScripts {

    /** Where the workspace claim is mounted in a Job pod. */
    static final String DATA = "/data";
    /** Where the archive claim is mounted in a Job pod. */
    static final String ARCHIVES = "/archive";
    /** The container's termination message file. */
    static final String RESULT = "/dev/termination-log";

    private static final Pattern RESULT_LINE = Pattern.compile("\\s*([0-9]{1,18}) ([0-9a-f]{64})\\s*");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private JobScripts() {
    }

    static String archive(ArchiveKey key, String data, String archives, String result) {
        return String.join("\n",
                "set -eu",
                "key='" + key.value() + "'; dir='" + archives + "'",
                "partial=\"$dir/.$key.partial\"; sidecar=\"$dir/.$key.sha256.partial\"",
                "trap 'rm -f \"$partial\" \"$sidecar\"' EXIT",
                "tar -czf \"$partial\" -C '" + data + "' .",
                "sum=$(sha256sum \"$partial\" | cut -d ' ' -f 1)",
                "bytes=$(wc -c < \"$partial\" | tr -d ' ')",
                "mv \"$partial\" \"$dir/$key\"",
                "printf '%s  %s\\n' \"$sum\" \"$key\" > \"$sidecar\"",
                "mv \"$sidecar\" \"$dir/$key.sha256\"",
                "printf '%s %s' \"$bytes\" \"$sum\" > '" + result + "'",
                "");
    }

    static String restore(ArchiveKey key, String expectedSha256, String data, String archives, String result) {
        if (!SHA256.matcher(expectedSha256).matches()) {
            throw new IllegalArgumentException("expectedSha256: '" + expectedSha256 + "' (expected: 64 hex digits)");
        }
        return String.join("\n",
                "set -eu",
                "key='" + key.value() + "'; dir='" + archives + "'; data='" + data + "'; expected='" + expectedSha256 + "'",
                "[ -f \"$dir/$key\" ] || { echo \"archive $key is not in the archive store\" >&2; exit 2; }",
                "recorded=$(cut -d ' ' -f 1 \"$dir/$key.sha256\" 2>/dev/null || true)",
                "[ \"$recorded\" = \"$expected\" ] || { echo \"checksum mismatch: $key.sha256 says '$recorded', expected $expected\" >&2; exit 3; }",
                "sum=$(sha256sum \"$dir/$key\" | cut -d ' ' -f 1)",
                "[ \"$sum\" = \"$expected\" ] || { echo \"checksum mismatch: expected $expected, archive has $sum\" >&2; exit 3; }",
                "bytes=$(wc -c < \"$dir/$key\" | tr -d ' ')",
                "find \"$data\" -mindepth 1 -maxdepth 1 -exec rm -rf {} +",
                "tar -xzpf \"$dir/$key\" -C \"$data\"",
                "printf '%s %s' \"$bytes\" \"$sum\" > '" + result + "'",
                "");
    }

    /** The digest a Job reported, or {@code null} when its message is not a result line. */
    static @Nullable ArchiveDigest parseResult(@Nullable String message) {
        if (message == null || message.length() > 200) {
            return null;
        }
        Matcher matcher = RESULT_LINE.matcher(message);
        return matcher.matches() ? new ArchiveDigest(Long.parseLong(matcher.group(1)), matcher.group(2)) : null;
    }
}
