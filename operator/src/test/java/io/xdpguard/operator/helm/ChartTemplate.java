package io.xdpguard.operator.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** {@code helm template} of helm/xdpguard through helm-java (which bundles Helm), parsed into documents. */
public final class ChartTemplate {
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    public static final Path CHART = ROOT.resolve("helm/xdpguard");
    public static final String RELEASE = "xdpguard";
    public static final String NS = "xdpguard-system";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ChartTemplate() {
    }

    /** The manifests (hooks left out, as helm-java's template does) for Kubernetes {@code kubeVersion}. */
    public static List<JsonNode> render(String kubeVersion, UnaryOperator<TemplateCommand> values) {
        TemplateCommand cmd = new Helm(CHART).template().withName(RELEASE).withNamespace(NS).withKubeVersion(kubeVersion);
        String out = values.apply(cmd).call();
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(out)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isNull() && !d.isMissingNode() && d.size() > 0) {
                    docs.add(d);
                }
            });
        } catch (IOException e) {
            throw new AssertionError("helm template produced invalid YAML:\n" + out, e);
        }
        return docs;
    }
}
