package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.config.InvalidConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Exit codes say what happened: 2 only for what the operator set, 1 for anything else. */
class ServerMainTest {

  @Test
  void aValueTheServerCannotUse_isExitCodeTwo() {
    int code =
        ServerMain.run(
            new ServerFlags(),
            new String[0],
            Map.of(),
            config -> {
              throw new InvalidConfigException("--dataset: /nope.json does not exist");
            });

    assertThat(code).isEqualTo(2);
  }

  @Test
  void aBugsIllegalArgumentException_isAFailedStart_notABadFlag() {
    int code =
        ServerMain.run(
            new ServerFlags(),
            new String[0],
            Map.of(),
            config -> {
              throw new IllegalArgumentException("index out of range in our own code");
            });

    assertThat(code).isEqualTo(1);
  }

  @Test
  void aBadFlag_isExitCodeTwo() {
    int code =
        ServerMain.run(
            new ServerFlags(),
            new String[] {"--max-connections=many"},
            Map.of(),
            config -> {
              throw new AssertionError("not started with a bad flag");
            });

    assertThat(code).isEqualTo(2);
  }
}
