/** Fee breakdowns as transactions store them: `{ name, description, amount_minor }` in the fee asset. */
export interface StoredFeeDetail {
  readonly name: string;
  readonly description: string;
  readonly amount_minor: string;
}

export function storedFeeDetails(
  details: readonly { readonly name: string; readonly description: string; readonly amountMinor: bigint }[],
): StoredFeeDetail[] {
  return details.map((d) => ({
    name: d.name,
    description: d.description,
    amount_minor: d.amountMinor.toString(),
  }));
}
