import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { ForecastModel } from "./model.js";

/**
 * A small LSTM (TensorFlow.js on its WebAssembly backend: nothing native to download): one
 * cycle of standardised points in, the next point out, trained on every window of the history
 * and rolled forward over the horizon. The seed's Keras model (two LSTM layers of 64 and 32
 * units, 30×14 inputs) is far beyond what a per-workload fit on 2 cores affords; this one has
 * 16 units. Weights are seeded and batches unshuffled, so a fit is reproducible.
 */
export interface LstmOptions {
  readonly units: number;
  readonly epochs: number;
  readonly seed: number;
}

const DEFAULTS: LstmOptions = { units: 16, epochs: 12, seed: 7 };

let backend: Promise<typeof import("@tensorflow/tfjs-layers")> | undefined;

/** Loaded on first use: TensorFlow.js takes a second to import, which the other models never pay. */
function tensorflow() {
  backend ??= (async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`);
    await tf.setBackend("wasm");
    return import("@tensorflow/tfjs-layers");
  })();
  return backend;
}

export function lstmModel(options: Partial<LstmOptions> = {}): ForecastModel {
  const { units, epochs, seed } = { ...DEFAULTS, ...options };
  return {
    name: "lstm",
    minHistory: (period) => 3 * period,
    async forecast({ values, period }, horizon) {
      const tfl = await tensorflow();
      const tf = await import("@tensorflow/tfjs-core");
      let sum = 0;
      for (const v of values) sum += v;
      const mu = sum / values.length;
      let sq = 0;
      for (const v of values) sq += (v - mu) ** 2;
      const sigma = Math.sqrt(sq / values.length) || 1;
      const z = Array.from(values, (v) => (v - mu) / sigma);
      const window = period;
      const xs: number[][][] = [];
      const ys: number[][] = [];
      for (let i = 0; i + window < z.length; i++) {
        xs.push(z.slice(i, i + window).map((v) => [v]));
        ys.push([z[i + window] as number]);
      }
      const model = tfl.sequential();
      model.add(
        tfl.layers.lstm({
          units,
          inputShape: [window, 1],
          kernelInitializer: tfl.initializers.glorotUniform({ seed }),
          // The default orthogonal initializer needs a QR decomposition the WASM backend lacks.
          recurrentInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
        }),
      );
      model.add(
        tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }),
      );
      model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
      const x = tf.tensor3d(xs);
      const y = tf.tensor2d(ys);
      try {
        await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
        const out = new Float64Array(horizon);
        const history = z.slice(-window);
        for (let h = 0; h < horizon; h++) {
          const next = tf.tidy(() => {
            const input = tf.tensor3d([history.slice(-window).map((v) => [v])]);
            return (model.predict(input) as import("@tensorflow/tfjs-core").Tensor).dataSync()[0] as number;
          });
          history.push(next);
          out[h] = next * sigma + mu;
        }
        return out;
      } finally {
        x.dispose();
        y.dispose();
        model.dispose();
      }
    },
  };
}
