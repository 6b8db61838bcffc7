package dev.grpcpair.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

  @Test
  void parse_acceptsShortFormsAndIso() {
    assertThat(new DurationConverter().convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(new DurationConverter().convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(new DurationConverter().convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(new DurationConverter().convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(new DurationConverter().convert("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void parse_rejectsNonsenseNamingTheAcceptedForms() {
    assertThatThrownBy(() -> new DurationConverter().convert("soon"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("'soon' is not a duration")
        .hasMessageContaining("500ms");
  }

  @Test
  void format_isTheShortestExactForm() {
    assertThat(DurationConverter.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(DurationConverter.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(DurationConverter.format(Duration.ofMinutes(2))).isEqualTo("2m");
  }

  @Test
  void converter_rejectsZero() {
    assertThatThrownBy(() -> new DurationConverter().convert("0s"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("longer than zero");
  }

  @Test
  void portConverter_acceptsZeroAndRejectsOutOfRange() {
    assertThat(new PortConverter().convert("0")).isZero();
    assertThat(new PortConverter().convert("9000")).isEqualTo(9000);
    assertThatThrownBy(() -> new PortConverter().convert("65536"))
        .isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> new PortConverter().convert("http"))
        .isInstanceOf(TypeConversionException.class);
  }
}
