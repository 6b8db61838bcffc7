package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.config.Flags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The telemetry flags: off unless asked for, and a bad value named with what it should be. */
class TelemetryFlagsTest {

  @Test
  void noEndpointAndNoMetricsPort_isTelemetryOff() {
    TelemetryFlags flags = Flags.parse(new TelemetryFlags(), "--otel-exporter-otlp-endpoint= ");

    assertThat(flags.open("test", null, 0)).isSameAs(Telemetry.NONE);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--otel-exporter-otlp-endpoint=localhost:4317 | takes a URL such as http://collector:4317",
        "--otel-exporter-otlp-endpoint=ftp://c:4317 | takes a URL such as http://collector:4317",
        "--otel-traces-sampler=sometimes | takes one of always_off, always_on,",
        "--otel-traces-sampler-arg=1.5 | takes a share between 0 and 1, not 1.5",
        "--otel-resource-attributes=team | takes key=value pairs, comma-separated, not 'team'",
      })
  void badValue_isRefusedWithWhatItTakes(String flag, String message) {
    assertThatThrownBy(() -> Flags.parse(new TelemetryFlags(), flag))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(flag.substring(0, flag.indexOf('=')))
        .hasMessageContaining(message);
  }

  @Test
  void tracesOn_servesTheTracerAndPropagatesW3cTraceContext() {
    TelemetryFlags flags =
        Flags.parse(new TelemetryFlags(), "--otel-exporter-otlp-endpoint=http://localhost:1");

    try (Telemetry telemetry = flags.open("test", "replica-1", 0)) {
      assertThat(telemetry.tracing()).isTrue();
      assertThat(telemetry.propagators().getTextMapPropagator().fields()).contains("traceparent");
    }
  }
}
