package io.xdpguard.e2e.apiserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Reads parameters from a raw query string. */
final class QueryString {
    private QueryString() {
    }

    static Optional<String> get(String query, String name) {
        return Arrays.stream(query.split("&")).filter(p -> !p.isEmpty()).map(p -> p.split("=", 2))
                .filter(kv -> URLDecoder.decode(kv[0], StandardCharsets.UTF_8).equals(name))
                .map(kv -> kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "").findFirst();
    }

    static boolean has(String query, String name) {
        return get(query, name).isPresent();
    }

    static boolean isWatch(String query) {
        return get(query, "watch").filter(v -> v.equals("true") || v.equals("1")).isPresent();
    }
}
