/**
 * A form's footer: its submit button (disabled, with `pendingLabel`, while the request is in
 * flight) and Cancel.
 */
export function FormActions({
  label,
  pendingLabel,
  pending,
  onCancel,
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  onCancel: () => void;
}) {
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={pending}>
        {pending ? pendingLabel : label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
