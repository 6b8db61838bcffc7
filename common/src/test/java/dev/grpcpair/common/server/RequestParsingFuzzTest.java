package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.user.v1.UserGrpc;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing (Jazzer) of what a client's bytes reach first: every method's request
 * through the servers' strict parsing, and the request id header. A request either parses, or is
 * refused with a status that says it was the caller's ({@code INVALID_ARGUMENT}, or {@code
 * RESOURCE_EXHAUSTED} for a size limit); anything else (another exception, a hang) is a finding.
 *
 * <p>{@code mvn test} fuzzes it for the duration below ({@code JAZZER_FUZZ=1}, set by the build);
 * the corpus it grows is kept in the module's {@code .cifuzz-corpus/} (committed; git ignores the
 * inputs each run adds) and picked up again by the next run. Each run prints its count of inputs
 * tried ({@code #N DONE}).
 */
@Tag("fuzz")
class RequestParsingFuzzTest {

  private static final Set<Status.Code> CALLERS_FAULT =
      Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");

  /** Every method a client can call, with the marshaller the servers parse its requests with. */
  private static final List<ServerMethodDefinition<?, ?>> METHODS = strictMethods();

  @FuzzTest(maxDuration = "5s")
  void clientBytes_parseOrAreTheCallersFault(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      String id = data.consumeRemainingAsString();
      assertThat(RequestId.acceptable(id)).isEqualTo(SAFE_ID.matcher(id).matches());
      return;
    }
    ServerMethodDefinition<?, ?> method = METHODS.get(data.consumeInt(0, METHODS.size() - 1));
    byte[] request = data.consumeRemainingAsBytes();
    try {
      method.getMethodDescriptor().parseRequest(new ByteArrayInputStream(request));
    } catch (StatusRuntimeException refused) {
      assertThat(refused.getStatus().getCode()).isIn(CALLERS_FAULT);
    }
  }

  private static List<ServerMethodDefinition<?, ?>> strictMethods() {
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (var service :
        List.of(
            new UserGrpc.UserImplBase() {}.bindService(),
            new PostGrpc.PostImplBase() {}.bindService(),
            new HealthStatusManager().getHealthService().bindService())) {
      service.getMethods().forEach(method -> methods.add(StrictParsing.strict(method)));
    }
    return List.copyOf(methods);
  }
}
