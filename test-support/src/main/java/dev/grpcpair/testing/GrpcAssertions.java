package dev.grpcpair.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on the status a call ends with. */
public final class GrpcAssertions {

  private GrpcAssertions() {}

  /** {@code call} fails with exactly this code and description. */
  public static void assertStatus(ThrowingCallable call, Status.Code code, String description) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(description);
            });
  }

  /** The code {@code call} ends with: OK, or the code of the status it fails with. */
  public static Status.Code codeOf(ThrowingCallable call) {
    try {
      call.call();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (Throwable t) {
      throw new AssertionError("not a gRPC failure", t);
    }
  }
}
