export default function Home() {
  return <main>Gantry</main>;
}
