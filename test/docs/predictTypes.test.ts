// FusedModel.predict takes any tf.Tensor (a user's `t: tf.Tensor` type-checks, issue 12 item 6)
// and checks the rank when called. `npm run typecheck` compiles this file: with
// `predict(x: tf.Tensor4D)` the calls below fail with "Type 'Rank' is not assignable to type 'Rank.R4'".
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { fuse, type FusedModel } from "../../src/infer/fuse/index.js";
import { resnet18 } from "../../src/models/resnet.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

describe("FusedModel.predict with a tf.Tensor", () => {
  let fast: FusedModel;
  beforeAll(async () => {
    await useTestBackend("cpu");
    const model = resnet18({ inputShape: [32, 32, 3], classes: 3, seed: 1 });
    fast = fuse(model);
    model.dispose();
    return () => fast.dispose();
  });

  it("accepts a tensor typed tf.Tensor of rank 4", async () => {
    await expectNoLeak(() => {
      const t: tf.Tensor = tf.zeros([2, 32, 32, 3]);
      const out = fast.predict(t);
      expect(out.shape).toEqual([2, 3]);
      tf.dispose([t, out]);
    });
  });

  it.each([
    [[32, 32, 3], 3],
    [[1, 1, 32, 32, 3], 5],
  ])("rejects shape %j with a RangeError naming x and the rank", (shape, rank) => {
    tf.tidy(() => {
      const t: tf.Tensor = tf.zeros(shape);
      expect(() => fast.predict(t)).toThrow(RangeError);
      expect(() => fast.predict(t)).toThrow(
        new RegExp(`^x must have shape \\[batch, 32, 32, 3\\] with batch >= 1; got \\[${shape.join(",")}\\], a rank-${rank} tensor \\(rank 4 is needed\\)$`),
      );
    });
  });
});
