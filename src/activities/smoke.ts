/** The activity side of the smoke workflow. */
export async function smokeEcho(text: string): Promise<string> {
  return `echo: ${text}`;
}
