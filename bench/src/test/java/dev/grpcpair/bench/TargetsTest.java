package dev.grpcpair.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TargetsTest {

  @Test
  void aValueJustPastItsLimit_readsPastIt_notAsTheLimit() {
    Targets targets = new Targets();
    targets.atEachLevel(1.2, 0.9, 0.9496); // calls/s over the JVM's defaults: >= 0.95 asked
    targets.p99(new int[] {16, 32}, 1.503); // <= 1.5 asked
    targets.latency(0.39, 1.48);
    Report report = new Report();

    targets.writeTo(report);

    assertThat(report.toString())
        .contains("| 0.950 x | **no** |")
        .contains("| 1.503 x | **no** |")
        .contains("| 1.20 x | yes |")
        .contains("| 0.90 x | yes |")
        .contains("| 0.39 ms | yes |");
  }
}
