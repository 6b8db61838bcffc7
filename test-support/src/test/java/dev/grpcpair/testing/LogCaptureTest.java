package dev.grpcpair.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogCaptureTest {

  @Test
  void overlappingCaptures_closedInAnyOrder_eachRecordWhatWasLoggedWhileOpen() {
    LogCapture first = LogCapture.start();
    System.err.println("one");
    LogCapture second = LogCapture.start();
    System.err.println("two");
    first.close();
    System.err.println("three");
    second.close();
    System.err.println("four");

    assertThat(first.text().lines()).containsExactly("one", "two");
    assertThat(second.text().lines()).containsExactly("two", "three");
  }
}
