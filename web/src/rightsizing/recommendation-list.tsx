import { Link } from "wouter";
import { useRecommendationList } from "../api/queries.js";
import type { RecommendationSummary } from "../api/types.js";
import { Pager, useCursorPages } from "../components/pager.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { count, percent, when } from "../format.js";
import { describeSource, RecommendationBadge } from "./status.js";

function Row({ item, selected }: { item: RecommendationSummary; selected: boolean }) {
  return (
    <tr data-recommendation-id={item.id} aria-current={selected ? "true" : undefined}>
      <td data-label="Name">
        <Link href={`/rightsizing/${item.id}`}>{item.name}</Link>
      </td>
      <td data-label="Status">
        <RecommendationBadge status={item.status} />
      </td>
      <td data-label="Source">{describeSource(item.source)}</td>
      <td data-label="Created">{when(item.created_at)}</td>
      <td data-label="Series" className="num">
        {count(item.series_count)}
      </td>
      <td data-label="Worst confidence" className="num">
        {percent(item.min_confidence, 0)}
      </td>
    </tr>
  );
}

/** Every recommendation, newest first, paged with the API's cursor; live while one is running. */
export function RecommendationList({ selected }: { selected: number | undefined }) {
  const pages = useCursorPages();
  const list = useRecommendationList(pages.cursor);
  if (list.error && !list.data) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  if (!list.data) return <Loading label="Loading recommendations…" />;
  if (list.data.items.length === 0 && pages.number === 1)
    return (
      <Empty title="No recommendations yet">
        <p>
          Upload a usage CSV with “New recommendation”, or run <code>aurea recommend</code> against a
          Prometheus.
        </p>
      </Empty>
    );
  const next = list.data.next_cursor;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Recommendations</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Source</th>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Series
              </th>
              <th scope="col" className="num">
                Worst confidence
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((item) => (
              <Row key={item.id} item={item} selected={item.id === selected} />
            ))}
          </tbody>
        </table>
      </div>
      {(pages.number > 1 || next) && <Pager pages={pages} next={next} label="Recommendation pages" />}
    </>
  );
}
