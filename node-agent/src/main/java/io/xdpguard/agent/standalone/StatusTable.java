package io.xdpguard.agent.standalone;

import io.xdpguard.agent.dataplane.InterfaceReport;
import java.util.List;
import java.util.Map;

/** The concise status the standalone agent prints: one row per interface, the filters applied nowhere, the errors. */
final class StatusTable {
    private static final String ROW = "%-15s %-10s %-8s %-8s %-6s %s%n";

    private StatusTable() {
    }

    static String render(List<InterfaceReport> reports, Map<String, List<String>> filters, List<String> errors,
            List<String> notApplied) {
        StringBuilder out = new StringBuilder(String.format(ROW, "INTERFACE", "STATE", "MODE", "PROGRAM", "RULES", "FILTERS"));
        for (InterfaceReport r : reports) {
            out.append(String.format(ROW, r.name(), r.state().name().toLowerCase(), r.attachMode() == null ? "-" : r.attachMode(),
                    r.programId() == 0 ? "-" : Long.toString(r.programId()), r.ruleCount(),
                    String.join(",", filters.getOrDefault(r.name(), List.of()))));
        }
        if (reports.isEmpty()) {
            out.append("(no interface selected)\n");
        }
        notApplied.forEach(n -> out.append("not applied here: ").append(n).append('\n'));
        errors.forEach(e -> out.append("error: ").append(e).append('\n'));
        return out.toString();
    }
}
