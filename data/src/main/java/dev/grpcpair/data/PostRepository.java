package dev.grpcpair.data;

import dev.grpcpair.proto.data.v1.StoredPost;
import java.util.List;

/**
 * Looks posts up. Implementations are immutable and safe to share between threads: a post as stored
 * knows its owner's id, and whoever needs the author's name builds a new message with it.
 */
public interface PostRepository {

  /** The posts owned by {@code userId}, in the dataset's order; empty if there are none. */
  List<StoredPost> findByUserId(String userId);

  /** Every post, in the dataset's order. */
  List<StoredPost> findAll();
}
