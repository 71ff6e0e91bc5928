package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import io.xdpguard.api.validation.ParsedCidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable list of the CIDR texts of an XdpCidrSet, packed into one byte array: the agent and the operator hold
 * every set of the cluster in their informer caches, and a million CIDRs cost ~90 MB as {@code String}s, ~17 MB as
 * UTF-8 with an offset each, ~7 MB here. A text in canonical notation (IPv4 dotted quad; IPv6 as RFC 5952 writes it,
 * lowercase with the longest zero run as {@code ::}), with or without a prefix length, is stored as its bits: a tag
 * byte and 4 or 16 address bytes, and written back as exactly the same text. Any other text is kept as UTF-8. Every
 * {@link #INDEX_STEP}th element's offset is kept; {@link #get} skips from there. Elements are decoded on each get:
 * callers iterate once per version of a set.
 */
public final class CompactCidrList extends AbstractList<String> implements RandomAccess {
    static final int INDEX_STEP = 16;
    /** Tags 0..32: IPv4 "a.b.c.d/tag"; 33: IPv4 "a.b.c.d". */
    private static final int IPV4_BARE = 33;
    /** Tags 64..192: IPv6 with prefix length tag - 64; 193: IPv6 without one. */
    private static final int IPV6_BASE = 64;
    private static final int IPV6_BARE = IPV6_BASE + 129;
    private static final int NULL = 0xfe;
    /** Followed by the UTF-8 length (varint) and the bytes. */
    private static final int TEXT = 0xff;

    private final byte[] bytes;
    private final int[] index;
    private final int size;
    private final int ipv4Count;
    private final int ipv6Count;

    private CompactCidrList(byte[] bytes, int[] index, int size, int ipv4Count, int ipv6Count) {
        this.bytes = bytes;
        this.index = index;
        this.size = size;
        this.ipv4Count = ipv4Count;
        this.ipv6Count = ipv6Count;
    }

    /** Receives the prefixes of {@link #forEachPrefix}. */
    public interface PrefixVisitor {
        void ipv4(int address, int length);

        /** The 16 address bytes are {@code address[offset..offset + 16)}: to read during the call, not to keep. */
        void ipv6(byte[] address, int offset, int length);
    }

    /**
     * Whether every element is a CIDR stored as its bits (canonical notation, host bits clear): then
     * {@link #forEachPrefix} sees every element, with the address and length {@code ParsedCidr.parse} gives its text,
     * and a consumer needs no copy of its own of a million prefixes.
     */
    public boolean allPacked() {
        return ipv4Count + ipv6Count == size;
    }

    /** Elements stored as IPv4 bits. */
    public int ipv4Count() {
        return ipv4Count;
    }

    /** Elements stored as IPv6 bits. */
    public int ipv6Count() {
        return ipv6Count;
    }

    /** The elements stored as bits, in list order (a bare address with length 32 or 128); others are skipped. */
    public void forEachPrefix(PrefixVisitor visitor) {
        int at = 0;
        for (int i = 0; i < size; i++) {
            int tag = bytes[at] & 0xff;
            if (tag <= IPV4_BARE) {
                int address = (bytes[at + 1] & 0xff) << 24 | (bytes[at + 2] & 0xff) << 16 | (bytes[at + 3] & 0xff) << 8
                        | bytes[at + 4] & 0xff;
                visitor.ipv4(address, tag == IPV4_BARE ? 32 : tag);
            } else if (tag <= IPV6_BARE) {
                visitor.ipv6(bytes, at + 1, tag == IPV6_BARE ? 128 : tag - IPV6_BASE);
            }
            at = next(at);
        }
    }

    @Override
    public String get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        int at = index[i / INDEX_STEP];
        for (int skip = i % INDEX_STEP; skip > 0; skip--) {
            at = next(at);
        }
        return decode(at);
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * Equal as lists; two compact lists compare their packed bytes (the packing is a function of the texts), so a set
     * delivered again by the API server is recognised as unchanged without decoding a million texts.
     */
    @Override
    public boolean equals(Object o) {
        if (o instanceof CompactCidrList other) {
            return size == other.size && Arrays.equals(bytes, other.bytes);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    /** Bytes of the packed elements (without the offset index). */
    int packedBytes() {
        return bytes.length;
    }

    /** Offset of the element after the one at {@code at}. */
    private int next(int at) {
        int tag = bytes[at] & 0xff;
        if (tag <= IPV4_BARE) {
            return at + 5;
        }
        if (tag <= IPV6_BARE) {
            return at + 17;
        }
        if (tag == NULL) {
            return at + 1;
        }
        int length = textLength(at);
        return textStart(at, length) + length;
    }

    /** UTF-8 length of the TEXT element at {@code at} (a varint after its tag). */
    private int textLength(int at) {
        int length = 0;
        int shift = 0;
        int b;
        int p = at + 1;
        do {
            b = bytes[p++];
            length |= (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return length;
    }

    /** Where the bytes of the TEXT element at {@code at} start: after its tag and its length's varint. */
    private static int textStart(int at, int length) {
        int varint = 1;
        for (int n = length; n >= 0x80; n >>>= 7) {
            varint++;
        }
        return at + 1 + varint;
    }

    private String decode(int at) {
        int tag = bytes[at] & 0xff;
        if (tag <= IPV4_BARE) {
            return CidrText.ipv4(bytes, at + 1, tag == IPV4_BARE ? -1 : tag);
        }
        if (tag <= IPV6_BARE) {
            return CidrText.ipv6(bytes, at + 1, tag == IPV6_BARE ? -1 : tag - IPV6_BASE);
        }
        if (tag == NULL) {
            return null;
        }
        int length = textLength(at);
        return new String(bytes, textStart(at, length), length, StandardCharsets.UTF_8);
    }

    /** Builds the list element by element. */
    static final class Builder {
        private final ParsedCidr parsed = new ParsedCidr();
        private final byte[] address = new byte[16];
        private byte[] bytes = new byte[1024];
        private int[] index = new int[64];
        private int length;
        private int size;
        private int ipv4Count;
        private int ipv6Count;

        Builder add(String value) {
            if (size % INDEX_STEP == 0) {
                if (size / INDEX_STEP == index.length) {
                    index = Arrays.copyOf(index, index.length * 2);
                }
                index[size / INDEX_STEP] = length;
            }
            size++;
            if (value == null) {
                append(NULL);
            } else if (!addPacked(value)) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                append(TEXT);
                for (int n = utf8.length; ; n >>>= 7) {
                    if (n < 0x80) {
                        append(n);
                        break;
                    }
                    append(n & 0x7f | 0x80);
                }
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, length, utf8.length);
                length += utf8.length;
            }
            return this;
        }

        /** Stores the text as bits when writing the bits back gives exactly the text. */
        private boolean addPacked(String text) {
            if (!parsed.parsePlain(text)) {
                return false;
            }
            int slash = text.indexOf('/');
            int prefix = slash < 0 ? -1 : parsed.length();
            String written;
            if (parsed.isIpv4()) {
                int v = parsed.ipv4();
                address[0] = (byte) (v >>> 24);
                address[1] = (byte) (v >>> 16);
                address[2] = (byte) (v >>> 8);
                address[3] = (byte) v;
                written = CidrText.ipv4(address, 0, prefix);
            } else {
                parsed.copyIpv6(address, 0);
                written = CidrText.ipv6(address, 0, prefix);
            }
            if (!written.equals(text)) {
                return false;
            }
            if (parsed.isIpv4()) {
                ipv4Count++;
            } else {
                ipv6Count++;
            }
            int width = parsed.isIpv4() ? 4 : 16;
            append(parsed.isIpv4() ? (prefix < 0 ? IPV4_BARE : prefix) : (prefix < 0 ? IPV6_BARE : IPV6_BASE + prefix));
            ensure(width);
            System.arraycopy(address, 0, bytes, length, width);
            length += width;
            return true;
        }

        private void append(int b) {
            ensure(1);
            bytes[length++] = (byte) b;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }

        CompactCidrList build() {
            return new CompactCidrList(Arrays.copyOf(bytes, length),
                    Arrays.copyOf(index, (size + INDEX_STEP - 1) / INDEX_STEP), size, ipv4Count, ipv6Count);
        }
    }

    /** The list of {@code values}, packed (for tests and for lists built in code). */
    public static CompactCidrList of(List<String> values) {
        Builder builder = new Builder();
        values.forEach(builder::add);
        return builder.build();
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
