package dev.grpcpair.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserServiceConfigTest {

  @Test
  void embedded_roundRobinWithHealthCheckingAndRetries() {
    Map<String, ?> config = UserServiceConfig.load(UserChannelPolicy.DEFAULT);

    assertThat(config.get("loadBalancingConfig")).isEqualTo(List.of(Map.of("round_robin", Map.of())));
    assertThat(config.get("healthCheckConfig")).isEqualTo(Map.of("serviceName", "v1.user.User"));
    assertThat(config.get("methodConfig").toString()).contains("retryPolicy", "UNAVAILABLE");
  }

  @Test
  void lbPolicyFlag_overridesTheFile() {
    assertThat(UserServiceConfig.load(UserChannelPolicy.DEFAULT.withLbPolicy("pick_first")).get("loadBalancingConfig"))
        .isEqualTo(List.of(Map.of("pick_first", Map.of())));
  }

  @Test
  void unknownLbPolicy_namesTheKnownOnes() {
    assertThatThrownBy(() -> UserServiceConfig.load(UserChannelPolicy.DEFAULT.withLbPolicy("random")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'random'")
        .hasMessageContaining("pick_first, round_robin");
  }

  @Test
  void badOrMissingFile_saysWhich(@TempDir Path dir) throws IOException {
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"loadBalancingConfig\": [");

    assertThatThrownBy(() -> UserServiceConfig.load(UserChannelPolicy.DEFAULT.withServiceConfig(broken)))
        .hasMessageContaining("broken.json is not valid JSON");
    assertThatThrownBy(() -> UserServiceConfig.load(UserChannelPolicy.DEFAULT.withServiceConfig(dir.resolve("none.json"))))
        .hasMessageContaining("does not exist");
  }
}
