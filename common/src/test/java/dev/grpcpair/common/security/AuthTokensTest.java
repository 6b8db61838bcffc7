package dev.grpcpair.common.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AuthTokensTest {

  @Test
  void parse_fileFormatWithCommentsAndBlankLines() {
    AuthTokens tokens =
        AuthTokens.parse("# who=what\npost-server = s3cret\n\nops=t0ken==\n", "test");

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.identify("s3cret")).contains("post-server");
    assertThat(tokens.identify("t0ken==")).as("a token may end in base64 padding").contains("ops");
    assertThat(tokens.identify("s3cre")).isEmpty();
    assertThat(tokens.identify("")).isEmpty();
  }

  @Test
  void parse_commaSeparated() {
    assertThat(AuthTokens.parse("a=1,b=2", "AUTH_TOKENS").identify("2")).contains("b");
  }

  @Test
  void parse_malformedEntry_isRejectedWithoutEchoingIt() {
    assertThatThrownBy(() -> AuthTokens.parse("a=1\nhunter2", "tokens.txt"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokens.txt: entry 2 is not of the form identity=token")
        .message()
        .doesNotContain("hunter2");
  }

  @Test
  void parse_repeatedIdentityOrNothing_isRejected() {
    assertThatThrownBy(() -> AuthTokens.parse("a=1,a=2", "env"))
        .hasMessageContaining("\"a\" appears twice");
    assertThatThrownBy(() -> AuthTokens.parse("# none\n", "env"))
        .hasMessageContaining("no identity=token entries");
  }

  @Test
  void toString_neverShowsTokens() {
    assertThat(AuthTokens.parse("a=supersecret", "env").toString()).isEqualTo("1 token(s)");
  }
}
