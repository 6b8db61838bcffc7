package dev.grpcpair.user;

import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/**
 * One {@code StreamUsers} call: answers each id as it arrives, and reads the next id only once the
 * client has taken the previous answer off the wire (manual flow control). A client that keeps
 * sending ids but stops reading makes this stop reading too, instead of piling answers up in
 * memory. The first bad id ends the call with its status, after the answers before it.
 *
 * <p>grpc calls the handlers and this observer one at a time for a call, so the state needs no
 * lock.
 */
final class UserLookupStream implements StreamObserver<GetUserRequest> {

  private final ServerCallStreamObserver<GetUserResponse> answers;
  private final Function<GetUserRequest, GetUserResponse> lookUp;
  private boolean waitingForReady;
  private boolean finished;

  private UserLookupStream(
      ServerCallStreamObserver<GetUserResponse> answers,
      Function<GetUserRequest, GetUserResponse> lookUp) {
    this.answers = answers;
    this.lookUp = lookUp;
  }

  static UserLookupStream start(
      ServerCallStreamObserver<GetUserResponse> answers,
      Function<GetUserRequest, GetUserResponse> lookUp) {
    UserLookupStream stream = new UserLookupStream(answers, lookUp);
    answers.disableAutoRequest();
    answers.setOnCancelHandler(() -> stream.finished = true);
    answers.setOnReadyHandler(stream::onReady);
    answers.request(1);
    return stream;
  }

  private void onReady() {
    if (waitingForReady && !finished && answers.isReady()) {
      waitingForReady = false;
      answers.request(1);
    }
  }

  @Override
  public void onNext(GetUserRequest request) {
    if (finished) {
      return;
    }
    try {
      answers.onNext(lookUp.apply(request));
    } catch (RuntimeException e) {
      // Ends the call with the failure as it is; RecoveryInterceptor maps it to a status.
      finished = true;
      answers.onError(e);
      return;
    }
    if (answers.isReady()) {
      answers.request(1);
    } else {
      waitingForReady = true;
    }
  }

  @Override
  public void onError(Throwable t) {
    // The client cancelled, or its deadline passed: nothing more to answer.
    finished = true;
  }

  @Override
  public void onCompleted() {
    if (!finished) {
      finished = true;
      answers.onCompleted();
    }
  }
}
