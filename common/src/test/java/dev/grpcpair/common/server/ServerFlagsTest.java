package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared flags as the servers parse them. */
class ServerFlagsTest {

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
