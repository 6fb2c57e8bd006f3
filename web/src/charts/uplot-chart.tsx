import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type ChartTheme, chartTheme, onSchemeChange } from "./theme.js";

export interface ChartProps {
  /** Accessible name: what the chart shows. */
  label: string;
  data: uPlot.AlignedData;
  /** Builds the options for a width and the current theme. */
  options: (theme: ChartTheme) => Omit<uPlot.Options, "width" | "height">;
  height?: number;
}

/**
 * A uPlot chart that fills its container's width (redrawn on resize and on a theme change).
 * Sets `data-rendered` once drawn, which the browser tests wait for.
 */
export function UplotChart({ label, data, options, height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [scheme, setScheme] = useState(0);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => onSchemeChange(() => setScheme((n) => n + 1)), []);

  // (Re)create on theme change or height change; data updates go through setData below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scheme is the trigger for a redraw
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const chart = new uPlot({ ...optionsRef.current(chartTheme()), width, height }, data, element);
    plot.current = chart;
    element.dataset.rendered = "true";
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [scheme, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={box} role="img" aria-label={label} />;
}
