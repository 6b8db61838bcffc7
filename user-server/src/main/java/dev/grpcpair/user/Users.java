package dev.grpcpair.user;

import dev.grpcpair.common.server.OutboundBudget;
import dev.grpcpair.data.Page;
import dev.grpcpair.data.UserRepository;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.user.v1.UserMessage;
import java.util.Optional;

/**
 * The two questions both versions of the User service answer, asked the same way: one user by id,
 * and a page of all of them. Failures are thrown as the statuses the contract promises ({@link
 * ApiErrors}).
 */
final class Users {

  private final UserRepository repository;

  Users(UserRepository repository) {
    this.repository = repository;
  }

  /** The user with {@code userId}; throws INVALID_ARGUMENT or NOT_FOUND. */
  UserMessage get(String userId) {
    String id = ApiErrors.requireUserId("user_id", userId);
    // The original answers OK with an empty user_message; a caller cannot tell that from a user
    // whose fields are all empty.
    return find(id).orElseThrow(() -> ApiErrors.userNotFound(id));
  }

  /**
   * The page of users that {@code pageSize} and {@code pageToken} ask for, its answer's bytes
   * reserved with the connection's budget ({@link OutboundBudget#reserve}); throws INVALID_ARGUMENT
   * or RESOURCE_EXHAUSTED.
   */
  Page<UserMessage> page(int pageSize, String pageToken) {
    Page<UserMessage> page = Page.of(repository.findAll(), pageSize, pageToken, "users");
    OutboundBudget.reserve(page.bytes());
    return page;
  }

  /** The user with {@code userId}, an id already checked by the caller; empty if none. */
  Optional<UserMessage> find(String userId) {
    return repository.findById(userId);
  }
}
