package dev.grpcpair.data;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The dataset flags both servers take, each falling back to an environment variable. */
public final class DatasetOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(
      names = "--dataset",
      defaultValue = "${env:DATASET}",
      paramLabel = "FILE",
      description = "Dataset file (protobuf JSON, see README); unset: the embedded sample data. Env: DATASET.")
  private Path file;

  @Option(
      names = "--generate-dataset",
      defaultValue = "${env:GENERATE_DATASET}",
      paramLabel = "USERS:POSTS",
      description = "Serve a generated dataset of this size instead, the same in every server given the same size (e.g. 10000:100000). Env: GENERATE_DATASET.")
  private String generate;

  public DatasetSource source() {
    if (generate == null || generate.isBlank()) {
      return file == null ? DatasetSource.SEED : DatasetSource.file(file);
    }
    if (file != null) {
      throw new ParameterException(spec.commandLine(), "give either --dataset or --generate-dataset, not both");
    }
    String[] sizes = generate.strip().split(":");
    try {
      int users = Integer.parseInt(sizes[0]);
      int posts = Integer.parseInt(sizes[1]);
      if (sizes.length == 2 && users > 0 && posts >= 0) {
        return DatasetSource.generated(users, posts);
      }
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      // reported below
    }
    throw new ParameterException(
        spec.commandLine(), "--generate-dataset takes USERS:POSTS (e.g. 10000:100000), not '" + generate + "'");
  }
}
