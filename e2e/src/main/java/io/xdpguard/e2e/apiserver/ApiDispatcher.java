package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The front door: records every request, answers what the CRUD mock cannot (discovery, health, tables, merge-style
 * patches, server-side apply) and hands the rest to {@link Backend} in a form the mock handles like a real server.
 */
final class ApiDispatcher extends Dispatcher {
    private static final Duration HTTP_WATCH_LENGTH = Duration.ofSeconds(1);
    private static final Set<String> HEALTH = Set.of("/healthz", "/livez", "/readyz");

    private final Backend backend;
    private final ResourceCatalog catalog;
    private final Discovery discovery;
    private final OpenApiV3 openApi;
    private final PatchHandler patches;
    private final RequestLog log;

    ApiDispatcher(Backend backend, RequestLog log) {
        this.backend = backend;
        this.catalog = new ResourceCatalog(backend);
        this.discovery = new Discovery(catalog);
        this.openApi = new OpenApiV3(catalog);
        this.patches = new PatchHandler(backend);
        this.log = log;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String target = request.getPath();
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);
        MockResponse response;
        try {
            response = route(request, path, query);
        } catch (RuntimeException e) {
            response = Responses.failure(500, "InternalError", e.toString());
        }
        if (response.getHeaders().get("Content-Type") == null) {
            response.setHeader("Content-Type", Responses.JSON);
        }
        int status = response.getWebSocketListener() != null ? 101 : response.code();
        log.record(new RequestLog.RequestRecord(request.getMethod(), path, query,
                Optional.ofNullable(request.getHeader("User-Agent")).orElse(""), status));
        return response;
    }

    private MockResponse route(RecordedRequest request, String path, String query) {
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        Headers headers = request.getHeaders();
        // The mock cannot decode protobuf and would leave the client waiting; a real server may refuse it too.
        if (header(request, "Content-Type").contains("protobuf")) {
            return Responses.failure(415, "UnsupportedMediaType", "protobuf is not supported, send JSON");
        }
        if (method.equals("GET") && HEALTH.contains(path)) {
            return Responses.text(200, "ok");
        }
        if (method.equals("GET")) {
            Optional<JsonNode> document = discovery.document(path, header(request, "Host"))
                    .or(() -> openApi.document(path));
            if (document.isPresent()) {
                return Responses.json(200, document.get());
            }
        }
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().readByteArray();
        Optional<MockResponse> review = AccessReviews.answer(method, path, body);
        if (review.isPresent()) {
            return review.get();
        }
        Optional<ApiPath> parsed = ApiPath.parse(path);
        Optional<ResourceType> type = parsed.flatMap(catalog::find);
        if (type.isEmpty()) {
            return Responses.failure(404, "NotFound", "the server could not find the requested resource");
        }
        if (QueryString.has(query, "dryRun")) {
            return Responses.failure(400, "BadRequest", "dryRun is not supported by the dev API server");
        }
        MockResponse response = switch (method) {
            case "GET" -> read(request, path, query, type.get());
            // The mock reads subresources and keys from the path and does not know write parameters such as
            // fieldManager: "/status?fieldManager=x" would be taken for a write to the main resource.
            case "PATCH" -> patches.handle(parsed.get(), type.get(), headers, body);
            case "PUT" -> backend.replace(parsed.get(), type.get(), headers, defaulted(type.get(), body));
            case "POST" -> backend.dispatch(method, path, headers, defaulted(type.get(), body));
            default -> backend.dispatch(method, path, headers, body);
        };
        return response.code() == 404 && Responses.hasNoBody(response) ? Responses.notFound(parsed.get()) : response;
    }

    private MockResponse read(RecordedRequest request, String path, String query, ResourceType type) {
        if (QueryString.isWatch(query) && !header(request, "Upgrade").equalsIgnoreCase("websocket")) {
            // The mock cannot stream a response: an HTTP watch ends after a second without events, which client-go
            // treats as a failed watch and answers by listing again (with backoff): kubectl's waits end, late.
            return Responses.text(200, "").setHeader("Content-Type", "application/json")
                    .setBodyDelay(HTTP_WATCH_LENGTH);
        }
        String target = query.isEmpty() ? path : path + "?" + query;
        MockResponse response = backend.dispatch("GET", target, request.getHeaders(), new byte[0]);
        if (response.code() == 200 && header(request, "Accept").contains("as=Table")) {
            return Responses.json(200, TableRenderer.render(Json.parse(response.getBody().readUtf8()),
                    type.printerColumns(), Instant.now()));
        }
        return response;
    }

    // A body that is not JSON goes to the mock unchanged, which answers it as a real server would (400/422).
    private static byte[] defaulted(ResourceType type, byte[] body) {
        if (type.schema() == null || body.length == 0) {
            return body;
        }
        try {
            JsonNode object = Json.MAPPER.readTree(body);
            SchemaDefaults.apply(type.schema(), object);
            return Json.bytes(object);
        } catch (IOException e) {
            return body;
        }
    }

    private static String header(RecordedRequest request, String name) {
        return Optional.ofNullable(request.getHeader(name)).orElse("");
    }
}
