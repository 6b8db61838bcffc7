package dev.grpcpair.e2e.deploy;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** One Deployment of rendered manifests, as podman 4.3's {@code kube play} can run it. */
final class Playable {

  private Playable() {}

  /**
   * The Deployment {@code name} alone, without container ports (podman would publish each on the
   * host), its arguments replaced as {@code arguments} says.
   */
  static String deployment(String rendered, String name, Map<String, String> arguments) {
    YAMLMapper mapper = YAMLMapper.builder().build();
    List<JsonNode> documents =
        mapper.readerFor(JsonNode.class).<JsonNode>readValues(rendered).readAll();
    JsonNode deployment =
        documents.stream()
            .filter(document -> document.path("kind").asString().equals("Deployment"))
            .filter(document -> document.path("metadata").path("name").asString().equals(name))
            .findFirst()
            .orElseThrow();
    for (JsonNode container :
        deployment.path("spec").path("template").path("spec").path("containers")) {
      ((ObjectNode) container).remove("ports");
      ArrayNode args = (ArrayNode) container.path("args");
      for (int i = 0; i < args.size(); i++) {
        String replaced = arguments.get(args.get(i).asString());
        if (replaced != null) {
          args.set(i, replaced);
        }
      }
    }
    return mapper.writeValueAsString(deployment);
  }
}
