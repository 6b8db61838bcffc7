package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.user.v1.UserMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The users of a {@link Dataset}, indexed by id once and never changed afterwards. */
public final class InMemoryUserRepository implements UserRepository {

  private final Map<String, UserMessage> usersById;
  private final List<UserMessage> users;

  public InMemoryUserRepository(Dataset dataset) {
    Map<String, UserMessage> byId = new LinkedHashMap<>();
    for (UserMessage user : dataset.getUsersList()) {
      if (user.getUserId().isEmpty()) {
        throw new InvalidDatasetException("a user has an empty user_id: " + user.getName());
      }
      if (byId.putIfAbsent(user.getUserId(), user) != null) {
        throw new InvalidDatasetException("user_id \"" + user.getUserId() + "\" appears twice");
      }
    }
    this.usersById = Map.copyOf(byId);
    this.users = List.copyOf(dataset.getUsersList());
  }

  @Override
  public Optional<UserMessage> findById(String userId) {
    return Optional.ofNullable(usersById.get(userId));
  }

  @Override
  public List<UserMessage> findAll() {
    return users;
  }
}
