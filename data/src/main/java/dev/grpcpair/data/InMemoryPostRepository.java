package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The posts of a {@link Dataset}, grouped by owner once and never changed afterwards.
 *
 * <p>A post's owner need not be a user of the same dataset: the User server may serve another one,
 * so the Post server decides what an unknown owner means.
 */
public final class InMemoryPostRepository implements PostRepository {

  private final Map<String, List<StoredPost>> postsByUserId;
  private final List<StoredPost> posts;

  public InMemoryPostRepository(Dataset dataset) {
    Set<String> postIds = new HashSet<>();
    Map<String, List<StoredPost>> byUserId = new LinkedHashMap<>();
    for (StoredPost post : dataset.getPostsList()) {
      if (post.getPostId().isEmpty()) {
        throw new InvalidDatasetException("a post has an empty post_id: " + post.getTitle());
      }
      if (!postIds.add(post.getPostId())) {
        throw new InvalidDatasetException("post_id \"" + post.getPostId() + "\" appears twice");
      }
      if (post.getUserId().isEmpty()) {
        throw new InvalidDatasetException("post \"" + post.getPostId() + "\" has an empty user_id");
      }
      byUserId.computeIfAbsent(post.getUserId(), id -> new ArrayList<>()).add(post);
    }
    Map<String, List<StoredPost>> frozen = new LinkedHashMap<>();
    byUserId.forEach((userId, owned) -> frozen.put(userId, List.copyOf(owned)));
    this.postsByUserId = Map.copyOf(frozen);
    this.posts = List.copyOf(dataset.getPostsList());
  }

  @Override
  public List<StoredPost> findByUserId(String userId) {
    return postsByUserId.getOrDefault(userId, List.of());
  }

  @Override
  public List<StoredPost> findAll() {
    return posts;
  }
}
