package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Kubernetes objects {@code kubectl kustomize} renders from a folder of deploy/k8s, read into
 * fabric8's model strictly: an unknown or misspelt field fails (fabric8 alone would keep it aside
 * in {@code additionalProperties} and say nothing).
 */
final class Manifests {

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "Deployment", Deployment.class,
          "Service", Service.class,
          "PodDisruptionBudget", PodDisruptionBudget.class);

  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private final List<JsonNode> documents;
  private final List<HasMetadata> objects;

  private Manifests(List<JsonNode> documents, List<HasMetadata> objects) {
    this.documents = documents;
    this.objects = objects;
  }

  /** Renders {@code deploy/k8s/<folder>} with kubectl's kustomize (skipped where it is absent). */
  static Manifests render(String folder) {
    Tools.assumeInstalled("kubectl");
    return parse(Tools.ok("kubectl", "kustomize", "deploy/k8s/" + folder));
  }

  static Manifests parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<JsonNode> documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll();
    for (JsonNode document : documents) {
      String kind = document.path("kind").asString();
      Class<? extends HasMetadata> type = KINDS.get(kind);
      assertThat(type).as("a kind the deployment uses, not " + kind).isNotNull();
      HasMetadata object = YAML.treeToValue(document, type);
      assertNoUnknownFields(object, kind + " " + object.getMetadata().getName());
      objects.add(object);
    }
    return new Manifests(documents, objects);
  }

  /**
   * The Deployment {@code name} alone, as podman 4.3's {@code kube play} can run it: without
   * container ports (podman would publish each on the host, and replicas would collide) and without
   * probes (podman runs an HTTP probe with curl inside the container, which the images do not
   * carry: the test asks each probe itself), its arguments replaced as {@code arguments} says;
   * named {@code name-RUN} and running this build's images ({@link Images#RUN}), so that pods of
   * another build on the machine are not taken down or replaced.
   */
  String playable(String name, Map<String, String> arguments) {
    JsonNode deployment =
        documents.stream()
            .filter(document -> document.path("kind").asString().equals("Deployment"))
            .filter(document -> document.path("metadata").path("name").asString().equals(name))
            .findFirst()
            .orElseThrow()
            .deepCopy();
    ((ObjectNode) deployment.path("metadata")).put("name", name + "-" + Images.RUN);
    for (JsonNode container :
        deployment.path("spec").path("template").path("spec").path("containers")) {
      String image = container.path("image").asString();
      ((ObjectNode) container)
          .put("image", image.substring(0, image.lastIndexOf(':') + 1) + Images.RUN);
      ((ObjectNode) container).remove("ports");
      ((ObjectNode) container).remove(List.of("startupProbe", "livenessProbe", "readinessProbe"));
      ArrayNode args = (ArrayNode) container.path("args");
      for (int i = 0; i < args.size(); i++) {
        String replaced = arguments.get(args.get(i).asString());
        if (replaced != null) {
          args.set(i, replaced);
        }
      }
    }
    return YAML.writeValueAsString(deployment);
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(object -> object.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The one container of {@code deployment}. */
  Container container(String deployment) {
    List<Container> containers =
        get(Deployment.class, deployment).getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  /** The startup, liveness and readiness probes of {@code container}. */
  static List<Probe> probes(Container container) {
    return List.of(
        container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe());
  }

  /** Walks fabric8's objects: every {@code additionalProperties} must be empty. */
  private static void assertNoUnknownFields(Object value, String path) {
    if (value instanceof Collection<?> items) {
      int index = 0;
      for (Object item : items) {
        assertNoUnknownFields(item, path + "[" + index++ + "]");
      }
      return;
    }
    if (value instanceof Map<?, ?> entries) {
      entries.forEach((key, item) -> assertNoUnknownFields(item, path + "." + key));
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object property = invoke(getter, value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (property instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
          fail("unknown fields at " + path + ": " + unknown.keySet());
        }
      } else {
        assertNoUnknownFields(property, path + "." + getter.getName().substring(3));
      }
    }
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(getter + " of " + target.getClass(), e);
    }
  }
}
