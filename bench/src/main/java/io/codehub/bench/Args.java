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

    /** The value of option {@code name} as a whole number above zero; a clear error otherwise. */
    static long positive(String[] args, String name, String fallback) {
        String text = value(args, name, fallback);
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' (expected: a positive whole number)");
        }
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }
}
