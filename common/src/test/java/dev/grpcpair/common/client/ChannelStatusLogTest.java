package dev.grpcpair.common.client;

import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.testing.LogCapture;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChannelStatusLogTest {

  @Test
  void aUserTargetThatDoesNotResolve_isOneLinePerFailure_withTheCause_noStackTrace() {
    UserChannelFlags flags = new UserChannelFlags();
    // .invalid never resolves (RFC 2606), with or without a DNS server.
    Flags.parse(
        Flags.commandLine(flags, Map.of()), Map.of(), "--user-target=dns:///user.invalid:9000");

    try (LogCapture log = LogCapture.start();
        UserChannel channel = UserChannel.open(flags, Duration.ofMinutes(1), Telemetry.NONE)) {
      assertThat(
              codeOf(
                  () ->
                      HealthGrpc.newBlockingStub(channel.managed())
                          .withDeadlineAfter(1, TimeUnit.SECONDS)
                          .check(HealthCheckRequest.getDefaultInstance())))
          .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> log.text().contains("Failed to resolve name"));
      assertThat(log.text())
          .containsPattern(
              "\\[WARN\\] ManagedChannelImpl - \\[Channel<\\d+>: \\(dns:///user.invalid:9000\\)\\]"
                  + " Failed to resolve name\\. status=UNAVAILABLE: Unable to resolve host"
                  + " user\\.invalid \\(cause: java\\.net\\.UnknownHostException: .*\\)\n")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void aStatusWithoutCauseOrDescription_isItsCodeAlone() {
    assertThat(ChannelStatusLog.oneLine(Status.UNAVAILABLE)).isEqualTo("UNAVAILABLE");
    assertThat(ChannelStatusLog.oneLine(Status.INTERNAL.withDescription("broken")))
        .isEqualTo("INTERNAL: broken");
  }
}
