package dev.grpcpair.data;

import dev.grpcpair.proto.user.v1.UserMessage;
import java.util.List;
import java.util.Optional;

/** Looks users up. Implementations are immutable and safe to share between threads. */
public interface UserRepository {

  Optional<UserMessage> findById(String userId);

  /** Every user, in the dataset's order. */
  List<UserMessage> findAll();
}
