package io.xdpguard.api.validation;

/** Parses the API's port strings: {@code "443"} or {@code "8000-8080"}. */
public final class Ports {
    private Ports() {
    }

    /** An inclusive port range. */
    public record Range(int low, int high) {
        public boolean contains(int port) {
            return port >= low && port <= high;
        }
    }

    /**
     * @throws IllegalArgumentException with a message fit for a user when the text is not a port or a range
     */
    public static Range parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a port is required");
        }
        int dash = text.indexOf('-');
        if (dash < 0) {
            int port = parsePort(text, text);
            return new Range(port, port);
        }
        int low = parsePort(text.substring(0, dash), text);
        int high = parsePort(text.substring(dash + 1), text);
        if (low > high) {
            throw new IllegalArgumentException("\"" + text + "\" is an empty range (low > high)");
        }
        return new Range(low, high);
    }

    private static int parsePort(String part, String whole) {
        if (part.isEmpty() || part.length() > 5 || !digitsOnly(part)) {
            throw new IllegalArgumentException("\"" + whole + "\" is not a port (1-65535) or a range like 8000-8080");
        }
        int port = Integer.parseInt(part);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("\"" + whole + "\" is not a port (1-65535)");
        }
        return port;
    }

    /** A loop, not a stream: every change of a filter parses all of its ports again. */
    private static boolean digitsOnly(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
