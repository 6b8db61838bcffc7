package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared flags as the servers parse them. */
class ServerFlagsTest {

  @Test
  void limits_haveDeliberateDefaults() {
    ServerFlags defaults = ServerFlags.parse();

    assertThat(defaults.maxConnectionIdle).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.maxInboundMessageSize).isEqualTo(1024 * 1024);
    assertThat(defaults.maxInboundMetadataSize).isEqualTo(8192);
    assertThat(defaults.maxConcurrentCallsPerConnection).isEqualTo(256);
  }

  @Test
  void authTokensFile_missing_saysSo_andAPresentOneIsRead(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ServerFlags.parse("--auth-tokens-file=" + dir.resolve("none")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist");
    Path file = Files.writeString(dir.resolve("tokens"), "x=y\n");
    assertThat(ServerFlags.parse("--auth-tokens-file=" + file).authTokens.identify("y"))
        .contains("x");
  }
}
