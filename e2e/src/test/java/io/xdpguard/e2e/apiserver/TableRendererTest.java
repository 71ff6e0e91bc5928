package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TableRendererTest {
    private static final JsonNode FILTER = Json.parse("""
            {"metadata":{"name":"f","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"enforcement":"Audit"},
             "status":{"ruleCount":3,
                       "conditions":[{"type":"Accepted","status":"True"},{"type":"Ready","status":"False"}]}}""");

    @Test
    void printerColumnPathsSelectFieldsIndexesAndFilters() {
        assertThat(PrinterColumnPath.compile(".spec.enforcement").first(FILTER).asText()).isEqualTo("Audit");
        assertThat(PrinterColumnPath.compile(".status.conditions[?(@.type==\"Ready\")].status").first(FILTER).asText())
                .isEqualTo("False");
        assertThat(PrinterColumnPath.compile(".status.conditions[0].type").first(FILTER).asText())
                .isEqualTo("Accepted");
        assertThat(PrinterColumnPath.compile(".status.nodes.summary").first(FILTER)).isNull();
    }

    @Test
    void rendersNameThenPrinterColumnsWithDatesAsAges() {
        JsonNode columns = Json.parse("""
                [{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"},
                 {"name":"Rules","type":"integer","jsonPath":".status.ruleCount"},
                 {"name":"Enforcing","type":"string","jsonPath":".status.nodes.summary"}]""");

        JsonNode table = TableRenderer.render(Json.parse("{\"items\":[" + FILTER + "]}"), columns,
                Instant.parse("2026-01-01T00:05:30Z"));

        assertThat(table.get("columnDefinitions")).extracting(c -> c.get("name").asText())
                .containsExactly("Name", "Age", "Rules", "Enforcing");
        assertThat(table.get("rows").get(0).get("cells").toString()).isEqualTo("[\"f\",\"5m30s\",3,null]");
    }

    @Test
    void agesReadLikeKubectls() {
        assertThat(TableRenderer.humanDuration(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(TableRenderer.humanDuration(Duration.ofMinutes(45))).isEqualTo("45m");
        assertThat(TableRenderer.humanDuration(Duration.ofMinutes(5 * 60 + 3))).isEqualTo("5h3m");
        assertThat(TableRenderer.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(TableRenderer.humanDuration(Duration.ofHours(3 * 24 + 4))).isEqualTo("3d4h");
        assertThat(TableRenderer.humanDuration(Duration.ofDays(400))).isEqualTo("400d");
    }
}
