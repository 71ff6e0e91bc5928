package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable list of strings stored as one UTF-8 byte array, for the CIDR lists of XdpCidrSets: the agent and the
 * operator hold every set of the cluster in their informer caches, and a million CIDRs cost ~90 MB as {@code String}
 * objects but ~17 MB here. Elements are decoded on each {@link #get}; callers iterate once per version of a set.
 */
public final class CompactStringList extends AbstractList<String> implements RandomAccess {
    private final byte[] bytes;
    /** End offset of element i in {@link #bytes}; it starts where element i - 1 ends. */
    private final int[] ends;
    private final BitSet nulls;

    private CompactStringList(byte[] bytes, int[] ends, BitSet nulls) {
        this.bytes = bytes;
        this.ends = ends;
        this.nulls = nulls;
    }

    @Override
    public String get(int index) {
        if (index < 0 || index >= ends.length) {
            throw new IndexOutOfBoundsException(index);
        }
        if (nulls.get(index)) {
            return null;
        }
        int start = index == 0 ? 0 : ends[index - 1];
        return new String(bytes, start, ends[index] - start, StandardCharsets.UTF_8);
    }

    @Override
    public int size() {
        return ends.length;
    }

    private static final class Builder {
        private byte[] bytes = new byte[1024];
        private int[] ends = new int[64];
        private int size;
        private int length;
        private final BitSet nulls = new BitSet();

        void add(String value) {
            byte[] encoded = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
            if (value == null) {
                nulls.set(size);
            }
            if (length + encoded.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + encoded.length));
            }
            System.arraycopy(encoded, 0, bytes, length, encoded.length);
            length += encoded.length;
            if (size == ends.length) {
                ends = Arrays.copyOf(ends, size * 2);
            }
            ends[size++] = length;
        }

        CompactStringList build() {
            return new CompactStringList(Arrays.copyOf(bytes, length), Arrays.copyOf(ends, size), nulls);
        }
    }

    /** Reads a JSON array of strings (or nulls) straight into a compact list, without a String per element kept. */
    public static final class Deserializer extends JsonDeserializer<List<String>> {
        @Override
        public List<String> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (!parser.isExpectedStartArrayToken()) {
                return context.reportInputMismatch(List.class, "expected an array of strings, got %s",
                        parser.currentToken());
            }
            Builder builder = new Builder();
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == JsonToken.VALUE_NULL) {
                    builder.add(null);
                } else if (token == JsonToken.VALUE_STRING) {
                    builder.add(parser.getText());
                } else {
                    return context.reportInputMismatch(List.class, "expected a string in the array, got %s", token);
                }
            }
            return builder.build();
        }
    }
}
