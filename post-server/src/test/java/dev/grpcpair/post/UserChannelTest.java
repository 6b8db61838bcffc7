package dev.grpcpair.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.client.UserChannel;
import dev.grpcpair.common.client.UserChannelFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserChannelTest {

  private static UserChannelFlags flags(String... args) {
    return PostServerConfig.parse(args).user;
  }

  @Test
  void embedded_roundRobinWithHealthCheckingAndRetries() {
    Map<String, ?> config = UserChannel.serviceConfig(flags());

    assertThat(config.get("loadBalancingConfig"))
        .isEqualTo(List.of(Map.of("round_robin", Map.of())));
    assertThat(config.get("healthCheckConfig")).isEqualTo(Map.of("serviceName", "v1.user.User"));
    assertThat(config.get("methodConfig").toString()).contains("retryPolicy", "UNAVAILABLE");
  }

  @Test
  void lbPolicyFlag_overridesTheFile() {
    assertThat(
            UserChannel.serviceConfig(flags("--user-lb-policy=pick_first"))
                .get("loadBalancingConfig"))
        .isEqualTo(List.of(Map.of("pick_first", Map.of())));
  }

  @Test
  void unknownLbPolicy_namesTheKnownOnes() {
    assertThatThrownBy(() -> UserChannel.serviceConfig(flags("--user-lb-policy=random")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'random'")
        .hasMessageContaining("pick_first, round_robin");
  }

  @Test
  void emptyTarget_isRefusedNamingTheFlagAndItsForms() {
    assertThatThrownBy(() -> flags("--user-target="))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--user-target is empty: give host:port, dns:///host:port or static:///host:port,...");
  }

  @Test
  void badOrMissingFile_saysWhich(@TempDir Path dir) throws IOException {
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"loadBalancingConfig\": [");

    assertThatThrownBy(() -> UserChannel.serviceConfig(flags("--user-service-config=" + broken)))
        .hasMessageContaining("broken.json is not valid JSON");
    assertThatThrownBy(
            () ->
                UserChannel.serviceConfig(
                    flags("--user-service-config=" + dir.resolve("none.json"))))
        .hasMessageContaining("does not exist");
  }
}
