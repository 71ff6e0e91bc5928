package io.xdpguard.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.xdpguard.operator.dependent.AgentNodeLabels;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The chart's ValidatingAdmissionPolicies decide as intended: their CEL, as rendered, evaluated with cel-java the way
 * the API server evaluates a policy (match conditions, then the variables, then each validation in order; a false
 * validation denies with its message). No API server runs here, so this is where a wrong expression would show.
 */
class AdmissionPolicyTest {
    static final String NS = ChartTemplate.NS;
    static final String OPERATOR = "system:serviceaccount:" + NS + ":xdpguard-operator";
    static final String AGENT = "system:serviceaccount:" + NS + ":xdpguard-agent";
    static final HelmChartTest.Rendered RENDERED = HelmChartTest.render("1.31.0", c -> c);
    /** JSON as the API server hands it to CEL: integers are int (Long), not Integer. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("request", SimpleType.DYN).addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN)
            .addVar("variables", MapType.create(SimpleType.STRING, SimpleType.DYN)).build();
    static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    // ---------------------------------------------------------------------------------------------- operator: Nodes

    static final Policy NODE_LABEL = Policy.named("xdpguard-operator-node-label");
    static final String NODE = """
            {"metadata": {"name": "n1", "labels": {"role": "edge", "kubernetes.io/os": "linux"},
                          "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
             "spec": {"podCIDR": "10.0.1.0/24", "taints": [{"key": "dedicated", "value": "xdp", "effect": "NoSchedule"}]}}
            """;

    @Test
    void theOperatorMayAddAndRemoveTheAgentLabel() {
        Map<String, Object> plain = json(NODE);
        Map<String, Object> labelled = withLabel(plain, AgentNodeLabels.LABEL, AgentNodeLabels.VALUE);
        assertThat(NODE_LABEL.denial(OPERATOR, labelled, plain)).as("added").isEmpty();
        assertThat(NODE_LABEL.denial(OPERATOR, plain, labelled)).as("removed").isEmpty();
        assertThat(NODE_LABEL.denial(OPERATOR, labelled, labelled)).as("kept").isEmpty();

        Map<String, Object> bare = json("""
                {"metadata": {"name": "n2"}, "spec": {}}""");
        assertThat(NODE_LABEL.denial(OPERATOR, withLabel(bare, AgentNodeLabels.LABEL, "true"), bare))
                .as("added to a node without labels").isEmpty();
    }

    @Test
    void theOperatorMayChangeNothingElseOfANode() {
        Map<String, Object> node = json(NODE);
        String labels = "the xdpguard operator may set only the label xdpguard.io/agent=true on a Node, or remove it";
        String rest = "the xdpguard operator may not change a Node's annotations or spec";
        assertThat(NODE_LABEL.denial(OPERATOR, withLabel(node, AgentNodeLabels.LABEL, "false"), node)).contains(labels);
        assertThat(NODE_LABEL.denial(OPERATOR, withLabel(node, "role", "db"), node)).as("changed").contains(labels);
        assertThat(NODE_LABEL.denial(OPERATOR, withLabel(node, "gpu", "1"), node)).as("added").contains(labels);
        Map<String, Object> noRole = json(NODE);
        labels(noRole).remove("role");
        assertThat(NODE_LABEL.denial(OPERATOR, noRole, node)).as("removed").contains(labels);

        Map<String, Object> annotated = json(NODE);
        metadata(annotated).put("annotations", Map.of("x", "y"));
        assertThat(NODE_LABEL.denial(OPERATOR, annotated, node)).contains(rest);
        Map<String, Object> untainted = json(NODE);
        spec(untainted).remove("taints");
        assertThat(NODE_LABEL.denial(OPERATOR, untainted, node)).contains(rest);
        Map<String, Object> cordoned = json(NODE);
        spec(cordoned).put("unschedulable", true);
        assertThat(NODE_LABEL.denial(OPERATOR, withLabel(cordoned, AgentNodeLabels.LABEL, "true"), node)).contains(rest);
    }

    @Test
    void otherUsersAreNotMatched() {
        Map<String, Object> node = json(NODE);
        assertThat(NODE_LABEL.denial("system:admin", withLabel(node, "role", "db"), node)).isEmpty();
        assertThat(NODE_LABEL.denial(AGENT, withLabel(node, "role", "db"), node)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- agent: its state

    static final Policy OWN_NODESTATE = Policy.named("xdpguard-agent-own-nodestate");

    @Test
    void anAgentWritesOnlyItsOwnNodesState() {
        Map<String, Object> state = json("""
                {"metadata": {"name": "n1"}, "status": {}}""");
        assertThat(OWN_NODESTATE.denial(request(AGENT, Map.of("authentication.kubernetes.io/node-name", List.of("n1"))),
                state, null)).isEmpty();
        assertThat(OWN_NODESTATE.denial(request(AGENT, Map.of("authentication.kubernetes.io/node-name", List.of("n2"))),
                state, null)).hasValueSatisfying(m -> assertThat(m).contains("its own node").endsWith("not n1"));
        assertThat(OWN_NODESTATE.denial(request(AGENT, Map.of()), state, null)).as("a token not bound to a node")
                .isPresent();
        assertThat(OWN_NODESTATE.denial(request(OPERATOR, Map.of()), state, null)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- evaluation

    /** One rendered policy. */
    record Policy(JsonNode spec) {
        static Policy named(String name) {
            return new Policy(RENDERED.named("ValidatingAdmissionPolicy", name).path("spec"));
        }

        Optional<String> denial(String user, Map<String, Object> object, Map<String, Object> oldObject) {
            return denial(request(user, Map.of()), object, oldObject);
        }

        /** Empty when the request is allowed (or not matched); else the message of the first failed validation. */
        Optional<String> denial(Map<String, Object> request, Map<String, Object> object, Map<String, Object> oldObject) {
            Map<String, Object> vars = new HashMap<>();
            vars.put("request", request);
            vars.put("object", object);
            vars.put("oldObject", oldObject == null ? Map.of() : oldObject);
            Map<String, Object> variables = new LinkedHashMap<>();
            vars.put("variables", variables);
            for (JsonNode condition : spec.path("matchConditions")) {
                if (!(Boolean) eval(condition.path("expression").asText(), vars)) {
                    return Optional.empty();
                }
            }
            for (JsonNode variable : spec.path("variables")) {
                variables.put(variable.path("name").asText(), eval(variable.path("expression").asText(), vars));
            }
            for (JsonNode validation : spec.path("validations")) {
                if (!(Boolean) eval(validation.path("expression").asText(), vars)) {
                    JsonNode message = validation.path("messageExpression");
                    return Optional.of(message.isMissingNode() ? validation.path("message").asText()
                            : (String) eval(message.asText(), vars));
                }
            }
            return Optional.empty();
        }

        private static Object eval(String expression, Map<String, Object> vars) {
            try {
                return RUNTIME.createProgram(COMPILER.compile(expression).getAst()).eval(vars);
            } catch (CelEvaluationException | dev.cel.common.CelValidationException e) {
                throw new AssertionError("CEL: " + expression + ": " + e.getMessage(), e);
            }
        }
    }

    static Map<String, Object> request(String user, Map<String, List<String>> extra) {
        return JSON.convertValue(Map.of("userInfo", Map.of("username", user, "extra", extra)), new TypeReference<>() {
        });
    }

    static Map<String, Object> json(String text) {
        try {
            return JSON.readValue(text, new TypeReference<>() {
            });
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> withLabel(Map<String, Object> node, String key, String value) {
        Map<String, Object> copy = JSON.convertValue(node, new TypeReference<>() {
        });
        metadata(copy).computeIfAbsent("labels", k -> new LinkedHashMap<String, Object>());
        labels(copy).put(key, value);
        return copy;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metadata(Map<String, Object> node) {
        return (Map<String, Object>) node.get("metadata");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> labels(Map<String, Object> node) {
        return (Map<String, Object>) metadata(node).get("labels");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(Map<String, Object> node) {
        return (Map<String, Object>) node.get("spec");
    }
}
