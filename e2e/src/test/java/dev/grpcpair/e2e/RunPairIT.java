package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Closer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./run-pair.sh} as a user runs it in a terminal: Ctrl-C, flags for one server, and what the
 * script exits with when a server cannot start. Every server on a port of its own choosing.
 */
class RunPairIT {

  private static final Map<String, String> ANY_FREE_PORTS =
      Map.of("USER_PORT", "0", "POST_PORT", "0", "GATEWAY_PORT", "0");

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void ctrlC_drainsEveryServerInSight_andFlagsForOneServerReachOnlyIt() throws Exception {
    JarProcess pair = closer.add(JarProcess.runPair(with("POST_ARGS", "--metrics-port=0")));
    pair.awaitListening(3);

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group, the labellers included.
    Process ctrlC = new ProcessBuilder("kill", "-INT", "--", "-" + pair.process.pid()).start();
    assertThat(ctrlC.waitFor(10, TimeUnit.SECONDS)).isTrue();

    assertThat(pair.awaitExit()).as(pair.output()).isZero();
    assertThat(pair.output())
        .contains("user | ", "user-server stopped")
        .contains("post | ", "post-server stopped")
        .contains("gate | ", "gateway stopped");
    assertThat(pair.output().lines().filter(line -> line.contains("metrics on port")))
        .singleElement(InstanceOfAssertFactories.STRING)
        .startsWith("post | ");
  }

  @Test
  void aServerThatCannotStart_stopsTheOthers_andItsExitCodeIsTheScripts() throws Exception {
    JarProcess pair = closer.add(JarProcess.runPair(with("USER_ARGS", "--shutdown-grace=soon")));

    assertThat(pair.awaitExit()).as(pair.output()).isEqualTo(2);
    assertThat(pair.output())
        .contains("user | user-server: Invalid value for option '--shutdown-grace'")
        .doesNotContain("\tat ");
  }

  private static Map<String, String> with(String name, String value) {
    Map<String, String> env = new HashMap<>(ANY_FREE_PORTS);
    env.put(name, value);
    return env;
  }
}
