package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcpair.common.config.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The shared flags as the servers parse them. */
class ServerFlagsTest {

  @Test
  void limits_haveDeliberateDefaults() {
    ServerFlags defaults = ServerFlags.parse();

    assertThat(defaults.maxConnectionIdle).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.maxInboundMessageSize).isEqualTo(1024 * 1024);
    assertThat(defaults.maxInboundMetadataSize).isEqualTo(8192);
    // A connection may have open as many calls as the whole server (the Post server's to a User
    // replica share one); the bounds that hold memory down are for all connections together.
    assertThat(defaults.maxConcurrentCallsPerConnection).isEqualTo(defaults.maxCallsInFlight);
    assertThat(defaults.maxCallsInFlight).isEqualTo(4096);
    assertThat(defaults.maxProbeStreams).isEqualTo(2000);
  }

  @Test
  void authTokensFile_missing_saysSo_andAPresentOneIsRead(@TempDir Path dir) throws IOException {
    ServerFlags missing = ServerFlags.parse("--auth-tokens-file=" + dir.resolve("none"));
    assertThatThrownBy(missing::authTokens)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist");
    Path file = Files.writeString(dir.resolve("tokens"), "x=y\n");
    assertThat(ServerFlags.parse("--auth-tokens-file=" + file).authTokens().identify("y"))
        .contains("x");
  }

  @Test
  void parsingAndChecking_readNoFile_theTokensAreReadWhenAsked(@TempDir Path dir)
      throws IOException {
    Path file = Files.writeString(dir.resolve("tokens"), "x=y\n");
    ServerFlags flags = ServerFlags.parse("--auth-tokens-file=" + file);

    Files.writeString(file, "x=z\n");

    assertThat(flags.authTokens().identify("z")).contains("x");
    assertThat(flags.authTokens().identify("y")).isEmpty();
  }

  @Test
  void aSecret_isAVariableOnly_andNotBothAVariableAndAFile(@TempDir Path dir) {
    assertThatThrownBy(() -> ServerFlags.parse("--auth-tokens=ops=s3cret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AUTH_TOKENS is a variable, never a flag: a flag's value shows in ps");
    assertThatThrownBy(
            () ->
                parse(
                    Map.of("AUTH_TOKENS", "ops=s3cret"),
                    "--auth-tokens-file=" + dir.resolve("tokens")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("give either --auth-tokens-file or AUTH_TOKENS, not both");
  }

  private static ServerFlags parse(Map<String, String> environment, String... args) {
    ServerFlags flags = new ServerFlags();
    Flags.parse(Flags.commandLine(flags, environment), environment, args);
    return flags;
  }

  @Test
  void aVariable_fillsItsFlag_aFlagOnTheCommandLineWins_andTestsGetNoEnvironment() {
    Map<String, String> environment = Map.of("MAX_CONNECTIONS", "7", "AUTH_TOKENS", "ops=s3cret");

    assertThat(parse(environment).maxConnections).isEqualTo(7);
    assertThat(parse(environment).authTokens().identify("s3cret")).contains("ops");
    assertThat(parse(environment, "--max-connections=9").maxConnections).isEqualTo(9);
    assertThat(ServerFlags.parse().maxConnections).isEqualTo(2000);
    assertThat(ServerFlags.parse().authTokens()).isNull();
  }

  @Test
  void aBadValueFromAVariable_isNamedByTheVariable() {
    Map<String, String> environment = Map.of("MAX_CONNECTIONS", "many");
    CommandLine commandLine = Flags.commandLine(new ServerFlags(), environment);

    CommandLine.ParameterException e =
        catchThrowableOfType(
            CommandLine.ParameterException.class, () -> Flags.parse(commandLine, environment));

    assertThat(Flags.badValue(e, environment)).startsWith("Invalid value for MAX_CONNECTIONS");
    assertThat(Flags.badValue(e, Map.of())).startsWith("Invalid value for option");
  }

  @Test
  void anEmptyVariable_isUnset_butAnEmptySecretIsRefused() {
    Map<String, String> empty =
        Map.of("MAX_CONNECTIONS", "", "SHUTDOWN_GRACE", "", "OTEL_TRACES_SAMPLER_ARG", "");

    ServerFlags flags = parse(empty);

    assertThat(flags.maxConnections).isEqualTo(2000);
    assertThat(flags.shutdownGrace).isEqualTo(Duration.ofSeconds(10));
    assertThatThrownBy(() -> parse(Map.of("AUTH_TOKENS", "")).authTokens())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AUTH_TOKENS has no identity=token entries");
  }
}
