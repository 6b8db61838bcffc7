package dev.grpcpair.common.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.config.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The User channel's token: where it may come from, when it is read, what is refused. */
class UserChannelFlagsTest {

  private static UserChannelFlags parse(Map<String, String> environment, String... args) {
    UserChannelFlags flags = new UserChannelFlags();
    Flags.parse(Flags.commandLine(flags, environment), environment, args);
    return flags;
  }

  @Test
  void theTokenFile_isReadWhenTheChannelAsks_notWhenFlagsAreChecked(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("token");
    UserChannelFlags flags =
        parse(Map.of(), "--user-tls", "--user-token-file=" + file); // not there yet

    assertThatThrownBy(flags::token)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--user-token-file: " + file + " does not exist");
    Files.writeString(file, " t0ken\n");
    assertThat(flags.token()).isEqualTo("t0ken");
  }

  @Test
  void theVariable_givesTheToken_andAnEmptyOneIsRefused() {
    assertThat(parse(Map.of("USER_TOKEN", "t0ken"), "--user-tls").token()).isEqualTo("t0ken");
    assertThat(parse(Map.of(), "--user-tls").token()).isNull();
    assertThatThrownBy(() -> parse(Map.of("USER_TOKEN", " "), "--user-tls").token())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the user service token is empty");
  }

  @Test
  void aToken_isRefused_onTheCommandLine_besideAFile_andWithoutTls(@TempDir Path dir) {
    assertThatThrownBy(() -> parse(Map.of(), "--user-tls", "--user-token=t0ken"))
        .hasMessage("USER_TOKEN is a variable, never a flag: a flag's value shows in ps");
    assertThatThrownBy(
            () ->
                parse(
                    Map.of("USER_TOKEN", "t0ken"),
                    "--user-tls",
                    "--user-token-file=" + dir.resolve("token")))
        .hasMessage("give either --user-token-file or USER_TOKEN, not both");
    assertThatThrownBy(() -> parse(Map.of("USER_TOKEN", "t0ken")))
        .hasMessageStartingWith("refusing to send the user service token without TLS");
    assertThat(parse(Map.of("USER_TOKEN", "t0ken"), "--user-allow-insecure-token").token())
        .isEqualTo("t0ken");
  }
}
