package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PatchSemanticsTest {

    @Test
    void mergePatchFollowsRfc7386() {
        // The examples of RFC 7386 appendix A that matter here: nested merge, null deletes, lists replace.
        assertThat(PatchSemantics.mergePatch(json("{\"a\":\"b\"}"), json("{\"a\":\"c\"}")))
                .isEqualTo(json("{\"a\":\"c\"}"));
        assertThat(PatchSemantics.mergePatch(json("{\"a\":\"b\",\"b\":\"c\"}"), json("{\"a\":null}")))
                .isEqualTo(json("{\"b\":\"c\"}"));
        assertThat(PatchSemantics.mergePatch(json("{\"a\":[{\"b\":\"c\"}]}"), json("{\"a\":[1]}")))
                .isEqualTo(json("{\"a\":[1]}"));
        assertThat(PatchSemantics.mergePatch(json("{\"e\":null}"), json("{\"a\":1}")))
                .isEqualTo(json("{\"e\":null,\"a\":1}"));
        assertThat(PatchSemantics.mergePatch(json("{}"), json("{\"a\":{\"bb\":{\"ccc\":null}}}")))
                .isEqualTo(json("{\"a\":{\"bb\":{}}}"));
    }

    @Test
    void strategicMergeMergesNamedListsAndHonoursDirectives() {
        var current = json("""
                {"spec":{"containers":[{"name":"a","image":"a:1","args":["x"]},{"name":"b","image":"b:1"}],
                 "tolerations":[{"key":"k1"}]},"metadata":{"finalizers":["f1","f2"]}}""");
        var patch = json("""
                {"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
                 "containers":[{"name":"a","image":"a:2"},{"name":"c","$patch":"delete"},
                               {"name":"b","$patch":"delete"}],
                 "tolerations":[{"key":"k2"}]},
                 "metadata":{"$deleteFromPrimitiveList/finalizers":["f1"]}}""");

        assertThat(PatchSemantics.strategicMergePatch(current, patch)).isEqualTo(json("""
                {"spec":{"containers":[{"name":"a","image":"a:2","args":["x"]}],"tolerations":[{"key":"k2"}]},
                 "metadata":{"finalizers":["f2"]}}"""));
    }

    @Test
    void strategicMergeReplacesAMapMarkedReplaceAndDeletesNulls() {
        var current = json("{\"data\":{\"a\":\"1\",\"b\":\"2\"},\"labels\":{\"x\":\"1\",\"y\":\"2\"}}");
        var patch = json("{\"data\":{\"$patch\":\"replace\",\"c\":\"3\"},\"labels\":{\"x\":null}}");

        assertThat(PatchSemantics.strategicMergePatch(current, patch))
                .isEqualTo(json("{\"data\":{\"c\":\"3\"},\"labels\":{\"y\":\"2\"}}"));
    }

    private static JsonNode json(String text) {
        return Json.parse(text);
    }
}
