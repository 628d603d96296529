/**
 * The SageMaker API operations this server answers (25), each with the SDK's request and answer types
 * (`@aws-sdk/client-sagemaker`'s `…CommandInput` / `…CommandOutput`, as ./wire maps them to JSON), and which
 * component answers it. The HTTP layer (./server) finds an operation by its X-Amz-Target name and passes it the
 * request body; every handler validates its request before using it.
 */
import type * as sm from "@aws-sdk/client-sagemaker";
import type { Endpoints } from "./endpoints";
import type { Models } from "./models";
import type { TrainingJobs } from "./training";
import type { TuningJobs } from "./tuning-jobs";
import type { TransformJobs } from "./transform-jobs";
import { isJsonObject, JsonObject, Reply, Request } from "./wire";
import { Containers, ImageNotFound } from "./containers";
import { validation } from "./errors";

type Handler<I, O> = (input: Request<I>) => Reply<O> | Promise<Reply<O>>;

export interface Operations {
  CreateTrainingJob: Handler<sm.CreateTrainingJobCommandInput, sm.CreateTrainingJobCommandOutput>;
  DescribeTrainingJob: Handler<sm.DescribeTrainingJobCommandInput, sm.DescribeTrainingJobCommandOutput>;
  ListTrainingJobs: Handler<sm.ListTrainingJobsCommandInput, sm.ListTrainingJobsCommandOutput>;
  StopTrainingJob: Handler<sm.StopTrainingJobCommandInput, sm.StopTrainingJobCommandOutput>;
  CreateHyperParameterTuningJob: Handler<sm.CreateHyperParameterTuningJobCommandInput, sm.CreateHyperParameterTuningJobCommandOutput>;
  DescribeHyperParameterTuningJob: Handler<sm.DescribeHyperParameterTuningJobCommandInput, sm.DescribeHyperParameterTuningJobCommandOutput>;
  ListHyperParameterTuningJobs: Handler<sm.ListHyperParameterTuningJobsCommandInput, sm.ListHyperParameterTuningJobsCommandOutput>;
  StopHyperParameterTuningJob: Handler<sm.StopHyperParameterTuningJobCommandInput, sm.StopHyperParameterTuningJobCommandOutput>;
  ListTrainingJobsForHyperParameterTuningJob: Handler<sm.ListTrainingJobsForHyperParameterTuningJobCommandInput, sm.ListTrainingJobsForHyperParameterTuningJobCommandOutput>;
  CreateModel: Handler<sm.CreateModelCommandInput, sm.CreateModelCommandOutput>;
  DescribeModel: Handler<sm.DescribeModelCommandInput, sm.DescribeModelCommandOutput>;
  DeleteModel: Handler<sm.DeleteModelCommandInput, sm.DeleteModelCommandOutput>;
  ListModels: Handler<sm.ListModelsCommandInput, sm.ListModelsCommandOutput>;
  CreateEndpointConfig: Handler<sm.CreateEndpointConfigCommandInput, sm.CreateEndpointConfigCommandOutput>;
  DescribeEndpointConfig: Handler<sm.DescribeEndpointConfigCommandInput, sm.DescribeEndpointConfigCommandOutput>;
  DeleteEndpointConfig: Handler<sm.DeleteEndpointConfigCommandInput, sm.DeleteEndpointConfigCommandOutput>;
  ListEndpointConfigs: Handler<sm.ListEndpointConfigsCommandInput, sm.ListEndpointConfigsCommandOutput>;
  CreateEndpoint: Handler<sm.CreateEndpointCommandInput, sm.CreateEndpointCommandOutput>;
  DescribeEndpoint: Handler<sm.DescribeEndpointCommandInput, sm.DescribeEndpointCommandOutput>;
  UpdateEndpoint: Handler<sm.UpdateEndpointCommandInput, sm.UpdateEndpointCommandOutput>;
  DeleteEndpoint: Handler<sm.DeleteEndpointCommandInput, sm.DeleteEndpointCommandOutput>;
  ListEndpoints: Handler<sm.ListEndpointsCommandInput, sm.ListEndpointsCommandOutput>;
  CreateTransformJob: Handler<sm.CreateTransformJobCommandInput, sm.CreateTransformJobCommandOutput>;
  DescribeTransformJob: Handler<sm.DescribeTransformJobCommandInput, sm.DescribeTransformJobCommandOutput>;
  ListTransformJobs: Handler<sm.ListTransformJobsCommandInput, sm.ListTransformJobsCommandOutput>;
  StopTransformJob: Handler<sm.StopTransformJobCommandInput, sm.StopTransformJobCommandOutput>;
}

export function operationsOf(c: { training: TrainingJobs; tuning: TuningJobs; models: Models; endpoints: Endpoints; transforms: TransformJobs; containers: Containers }): Operations {
  const { training, tuning, models, endpoints, transforms, containers } = c;
  /** backend docker: the image must be in the local engine, as ECR must have it on AWS (./containers) */
  const image = async (image: unknown) => {
    try {
      await containers.requireImage(image);
    } catch (e) {
      if (e instanceof ImageNotFound) throw validation(e.message);
      throw e;
    }
  };
  const field = (o: unknown, key: string): unknown => (isJsonObject(o) ? o[key] : undefined);
  return {
    CreateTrainingJob: async (i) => {
      await image(field(i.AlgorithmSpecification, "TrainingImage"));
      return training.create(i);
    },
    DescribeTrainingJob: (i) => training.describe(i),
    ListTrainingJobs: (i) => training.list(i),
    StopTrainingJob: (i) => training.stop(i),
    CreateHyperParameterTuningJob: async (i) => {
      await image(field(field(i.TrainingJobDefinition, "AlgorithmSpecification"), "TrainingImage"));
      return tuning.create(i);
    },
    DescribeHyperParameterTuningJob: (i) => tuning.describe(i),
    ListHyperParameterTuningJobs: (i) => tuning.list(i),
    StopHyperParameterTuningJob: (i) => tuning.stop(i),
    ListTrainingJobsForHyperParameterTuningJob: (i) => tuning.listTrainingJobs(i),
    CreateModel: async (i) => {
      await image(field(i.PrimaryContainer, "Image") ?? field(Array.isArray(i.Containers) ? i.Containers[0] : undefined, "Image"));
      return models.createModel(i);
    },
    DescribeModel: (i) => models.describeModel(i),
    DeleteModel: (i) => models.deleteModel(i),
    ListModels: (i) => models.listModels(i),
    CreateEndpointConfig: (i) => models.createEndpointConfig(i),
    DescribeEndpointConfig: (i) => models.describeEndpointConfig(i),
    DeleteEndpointConfig: (i) => models.deleteEndpointConfig(i),
    ListEndpointConfigs: (i) => models.listEndpointConfigs(i),
    CreateEndpoint: (i) => endpoints.createEndpoint(i),
    DescribeEndpoint: (i) => endpoints.describeEndpoint(i),
    UpdateEndpoint: (i) => endpoints.updateEndpoint(i),
    DeleteEndpoint: (i) => endpoints.deleteEndpoint(i),
    ListEndpoints: (i) => endpoints.listEndpoints(i),
    CreateTransformJob: (i) => transforms.create(i),
    DescribeTransformJob: (i) => transforms.describe(i),
    ListTransformJobs: (i) => transforms.list(i),
    StopTransformJob: (i) => transforms.stop(i),
  };
}

/** the operation named by X-Amz-Target, as the HTTP layer calls it (a JSON object in, JSON out), or undefined */
export function findOperation(ops: Operations, name: string): ((input: JsonObject) => unknown) | undefined {
  if (!Object.hasOwn(ops, name)) return undefined;
  return ops[name as keyof Operations]; // every handler takes a JSON object: Request<I> is a JsonObject's fields, unknown
}
