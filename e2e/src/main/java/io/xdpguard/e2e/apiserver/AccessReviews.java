package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Answers the self-reviews clients make before they act (java-operator-sdk checks its Lease permissions with a
 * SelfSubjectRulesReview): everyone may do everything, since the dev API server does not enforce RBAC.
 */
final class AccessReviews {
    private static final String PREFIX = "/apis/authorization.k8s.io/v1/";

    private AccessReviews() {
    }

    static Optional<MockResponse> answer(String method, String path, byte[] body) {
        if (!method.equals("POST") || !path.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String resource = path.substring(PREFIX.length());
        JsonNode request = body.length == 0 ? Json.object() : Json.parse(new String(body, StandardCharsets.UTF_8));
        ObjectNode review = request.isObject() ? ((ObjectNode) request).deepCopy() : Json.object();
        ObjectNode status = review.putObject("status");
        switch (resource) {
            case "selfsubjectrulesreviews" -> {
                ObjectNode rule = status.putArray("resourceRules").addObject();
                rule.putArray("verbs").add("*");
                rule.putArray("apiGroups").add("*");
                rule.putArray("resources").add("*");
                ObjectNode nonResource = status.putArray("nonResourceRules").addObject();
                nonResource.putArray("verbs").add("*");
                nonResource.putArray("nonResourceURLs").add("*");
                status.put("incomplete", false);
            }
            case "selfsubjectaccessreviews", "subjectaccessreviews" -> status.put("allowed", true);
            default -> {
                return Optional.empty();
            }
        }
        return Optional.of(Responses.json(201, review));
    }
}
