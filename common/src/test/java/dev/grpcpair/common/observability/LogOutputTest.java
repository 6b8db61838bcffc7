package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogOutputTest {

  private static final String STAMP = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";

  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final LogOutput.Batched out =
      new LogOutput.Batched(new BufferedOutputStream(written, 1 << 16));

  @Test
  void eachLineIsStampedAndNothingLeavesBeforeTheBatchIsWrittenOut() {
    out.println("[main] [INFO] access - v1.user.User/GetUser OK 0.012ms");
    out.flush(); // what slf4j-simple does after every line

    assertThat(written.size()).isZero();
    out.writeOut();
    assertThat(written.toString(StandardCharsets.UTF_8))
        .matches(STAMP + "\\[main] \\[INFO] access - v1.user.User/GetUser OK 0.012ms\\n");
  }

  @Test
  void linesLongerThanTheScratchBufferAndNotAsciiArriveWholeInUtf8() {
    String longLine = "x".repeat(1000);
    out.println(longLine);
    out.println("naïve Grüße ✓");
    out.println("short");
    out.writeOut();

    String[] lines = written.toString(StandardCharsets.UTF_8).split("\n", -1);
    assertThat(lines).hasSize(4);
    assertThat(lines[0]).matches(STAMP + longLine);
    assertThat(lines[1]).matches(STAMP + "naïve Grüße ✓");
    assertThat(lines[2]).matches(STAMP + "short");
    assertThat(lines[3]).isEmpty();
  }

  @Test
  void aLineHandedOverUnbuilt_isWrittenAsTheSameLineAsAString() {
    String text = "[main] [INFO] access - v1.user.User/GetUser OK naïve";
    out.printLine(new StringBuilder(text));
    out.println(text);
    out.writeOut();

    String[] lines = written.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).matches(STAMP + "\\[main] .*").endsWith(text);
    assertThat(lines[1]).matches(STAMP + "\\[main] .*").endsWith(text);
  }
}
