package io.xdpguard.agent.dataplane.kernel;

/**
 * Named points of a rule-set change or an upgrade where a test may kill the process (e.g. with
 * {@code Runtime.getRuntime().halt(137)}) to prove that whatever was in force stays in force and the next start
 * completes the change. Points: {@code slot-written} (inactive slot filled, not yet switched), {@code switched}
 * (switched, owner not yet updated), {@code upgrade-loaded} (new program loaded and pinned beside the old one, not
 * yet attached), {@code upgrade-replaced} (new program attached, still pinned as prog_new), {@code rebuild-loaded} (new maps filled in the if<N>_next directory, program not yet replaced).
 */
@FunctionalInterface
public interface CrashPoint {
    CrashPoint NONE = point -> {
    };

    void reached(String point);
}
