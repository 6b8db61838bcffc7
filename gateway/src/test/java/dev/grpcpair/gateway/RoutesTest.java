package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.Http;
import com.google.api.HttpRule;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.user.v2.UserGrpc;
import org.junit.jupiter.api.Test;

/**
 * Routes from {@code google.api.http} rules: those in the descriptors, those the configuration
 * adds, and the forms the gateway refuses when it starts rather than mismatching at run time.
 */
class RoutesTest {

  /** One {@code get} rule for {@code selector}, as the gateway's configuration gives it. */
  private static Http get(String selector, String path) {
    return Http.newBuilder()
        .addRules(HttpRule.newBuilder().setSelector(selector).setGet(path))
        .build();
  }

  /** The Post service's routes with {@code rules}, which the Post protos do not carry. */
  private static Routes posts(Http rules) {
    return new Routes().add(PostGrpc.getServiceDescriptor(), null, rules);
  }

  @Test
  void rulesInTheDescriptors_routeByMethodAndPath() {
    Routes routes =
        new Routes().add(UserGrpc.getServiceDescriptor(), null, Http.getDefaultInstance());

    assertThat(routes.find("GET", PathTemplate.segments("/v2/users/1")).method())
        .isEqualTo(UserGrpc.getGetUserMethod());
    assertThat(routes.find("GET", PathTemplate.segments("/v2/users")).method())
        .isEqualTo(UserGrpc.getListUsersMethod());
    assertThat(routes.find("POST", PathTemplate.segments("/v2/users/1"))).isNull();
    assertThat(routes.allowed(PathTemplate.segments("/v2/users/1"))).containsExactly("GET");
    assertThat(routes.find("GET", PathTemplate.segments("/v2/users/"))).isNull();
  }

  @Test
  void rulesFromTheConfiguration_routeMethodsWhoseProtosHaveNone() {
    Routes routes = posts(get("v1.post.Post.ListPostsByUserId", "/v1/users/{user_id}/posts"));

    Route route = routes.find("GET", PathTemplate.segments("/v1/users/7/posts"));
    assertThat(route.method()).isEqualTo(PostGrpc.getListPostsByUserIdMethod());
    assertThat(route.path().variables(PathTemplate.segments("/v1/users/a%2Fb/posts")))
        .containsEntry("user_id", "a/b");
  }

  @Test
  void unsupportedRules_failTheStartNamingTheMethod() {
    assertThatThrownBy(() -> posts(get("v1.post.Post.StreamPosts", "/v1/stream")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v1.post.Post/StreamPosts")
        .hasMessageContaining("only unary methods");
    assertThatThrownBy(() -> posts(get("v1.post.Post.ListPosts", "/v1/{page_token=**}")))
        .hasMessageContaining("v1.post.Post/ListPosts")
        .hasMessageContaining("only {field} or {field=*} variables");
    assertThatThrownBy(() -> posts(get("v1.post.Post.ListPosts", "/v1/{colour}")))
        .hasMessageContaining(
            "{colour} is not a singular scalar field of v1.post.ListPostsRequest");
  }

  @Test
  void aRuleForNoMethod_failsTheStart() {
    Http typo = get("v1.post.Post.ListPost", "/v1/p");

    assertThatThrownBy(() -> posts(typo).checkSelectors(typo))
        .hasMessage("HTTP rule for \"v1.post.Post.ListPost\": no such method among those served");
  }

  @Test
  void percentDecoding_isStrict() {
    assertThat(PathTemplate.percentDecode("%E2%82%AC+1")).isEqualTo("€+1");
    assertThatThrownBy(() -> PathTemplate.percentDecode("%zz"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.percentDecode("%C3%28"))
        .hasMessageContaining("not UTF-8");
  }
}
