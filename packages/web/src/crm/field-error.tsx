/** A field's error from the API, announced to screen readers; nothing when there is none. */
export function FieldError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <span className="error-text crm-field-error" role="alert">
      {message}
    </span>
  );
}
