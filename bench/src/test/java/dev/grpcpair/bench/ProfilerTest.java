package dev.grpcpair.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfilerTest {

  @TempDir Path dir;

  @Test
  void aProfile_countsEachSampleForTheFrameItWasTakenIn_andItsKind() throws Exception {
    Path collapsed = dir.resolve("stacks.collapsed");
    Files.writeString(
        collapsed,
        String.join(
            "\n",
            "java/lang/Thread.run;io/grpc/netty/shaded/io/netty/buffer/PoolArena.allocate_[j] 50",
            "java/lang/Thread.run;dev/grpcpair/common/server/CallTracer.filterContext_[j] 20",
            "java/lang/Thread.run;io/grpc/internal/ServerImpl.startCall_[j] 10",
            "start_thread;VMThread::run;DefNewGeneration::collect 10",
            "start_thread;thread_native_entry;GangWorker::run;PSPromotionManager::drain 5",
            "start_thread;CompileBroker::compiler_thread_loop;Compile::Compile 5",
            ""));

    Profiler.Profile profile = Profiler.Profile.read(collapsed);

    assertThat(profile.total()).isEqualTo(100);
    assertThat(profile.top(2))
        .containsExactly("50.0% `PoolArena.allocate`", "20.0% `CallTracer.filterContext`");
    assertThat(profile.byKind())
        .isEqualTo(
            "collector 15%, JIT 5%, Netty 50%, grpc 10%, this project 20%, JDK 0%, other 0%");
  }

  @Test
  void aProfileWithoutSamples_isAFailedOne_notSharesOfNothing() throws Exception {
    Path collapsed = Files.writeString(dir.resolve("empty.collapsed"), "");

    assertThatThrownBy(() -> Profiler.Profile.read(collapsed))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("holds no samples");
  }
}
