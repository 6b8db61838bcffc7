package dev.grpcpair.post;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grpc service config of the UserClient's channel: a JSON file users can replace (the embedded
 * {@code user-service-config.json} by default), with the load-balancing policy optionally
 * overridden by a flag.
 */
final class UserServiceConfig {

  static final String EMBEDDED = "/user-service-config.json";
  private static final List<String> LB_POLICIES = List.of("pick_first", "round_robin");

  private UserServiceConfig() {}

  /** The service config as grpc's {@code defaultServiceConfig} takes it. */
  static Map<String, ?> load(UserChannelPolicy policy) {
    String json = policy.serviceConfig() == null ? embedded() : read(policy.serviceConfig());
    Map<String, Object> config;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = new Gson().fromJson(json, Map.class);
      config = parsed;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(
          "service config " + source(policy) + " is not valid JSON: " + e.getMessage(), e);
    }
    if (config == null) {
      throw new IllegalArgumentException("service config " + source(policy) + " is empty");
    }
    if (policy.lbPolicy() != null) {
      if (!LB_POLICIES.contains(policy.lbPolicy())) {
        throw new IllegalArgumentException(
            "unknown load-balancing policy '" + policy.lbPolicy() + "' (use one of " + LB_POLICIES + ")");
      }
      config = new LinkedHashMap<>(config);
      config.put("loadBalancingConfig", List.of(Map.of(policy.lbPolicy(), Map.of())));
    }
    return config;
  }

  private static String source(UserChannelPolicy policy) {
    return policy.serviceConfig() == null ? EMBEDDED : policy.serviceConfig().toString();
  }

  private static String embedded() {
    try (InputStream in = UserServiceConfig.class.getResourceAsStream(EMBEDDED)) {
      if (in == null) {
        throw new IllegalStateException(EMBEDDED + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + EMBEDDED, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("service config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read service config " + file + ": " + e, e);
    }
  }
}
