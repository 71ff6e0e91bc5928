package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;

/** JSON answers built by the front dispatcher, shaped like kube-apiserver's (errors as a meta/v1 Status). */
final class Responses {
    static final String JSON = "application/json";

    private Responses() {
    }

    static MockResponse json(int code, JsonNode body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body.toString());
    }

    static MockResponse text(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "text/plain").setBody(body);
    }

    static MockResponse failure(int code, String reason, String message) {
        ObjectNode status = Json.object().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        return json(code, status);
    }

    static boolean hasNoBody(MockResponse response) {
        return response.getBody() == null || response.getBody().size() == 0;
    }

    /** The message kubectl prints, e.g. {@code xdpfilters.xdpguard.io "x" not found}. */
    static MockResponse notFound(ApiPath path) {
        String resource = path.group().isEmpty() ? path.plural() : path.plural() + "." + path.group();
        return notFound(resource + " \"" + path.name() + "\"");
    }

    static MockResponse notFound(String what) {
        return failure(404, "NotFound", what + " not found");
    }
}
